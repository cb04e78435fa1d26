// handle_message round trips through the Kotlin bindings on the JVM, the cases of ffi_bench.rs
// (see bench/ffi/run). Tagged `bench`, so `mvn test` skips it; it prints µs per call and asserts
// nothing about time.
package dev.minihost.conformance

import dev.minihost.ffi.Consent
import dev.minihost.ffi.HostConfig
import dev.minihost.ffi.HostCore
import dev.minihost.ffi.Transport
import dev.minihost.ffi.handleMessage
import org.junit.jupiter.api.Tag
import org.junit.jupiter.api.Test
import java.nio.file.Files

/** Each case is timed this many times, interleaved with the others; the median is reported. */
private const val ROUNDS = 3

/** (name, the message of call `i`, whether it returns a page script), as in ffi_bench.rs. */
private val cases = listOf<Triple<String, (Int) -> String, Boolean>>(
    Triple("empty", { i -> """{"method":"__report","params":{"kind":"bench","n":$i}}""" }, false),
    Triple("reply", { i -> """{"id":$i,"method":"share","params":{"title":"Episode 4"}}""" }, true),
)

@Tag("bench")
class FfiBenchTest {
    @Test
    fun handleMessageRoundTrip() {
        val calls = System.getProperty("bench.calls", "20000").toInt()
        val config = HostConfig(
            appDir = System.getProperty("bench.app"), appPackage = null,
            dataDir = Files.createTempDirectory("bench").toString(), platformUrl = System.getProperty("bench.platform"),
            pairingToken = null, transport = Transport.ANDROID, consent = Consent.ASK, user = "alice", dark = false, clientKey = null, appOrigin = null,
        )
        HostCore(config, null).use { core ->
            val page = core.startUrl() + "index.html"
            val rounds = cases.associate { it.first to mutableListOf<Double>() }
            repeat(ROUNDS) {
                for ((name, message, hasScript) in cases) {
                    // JNA frees the native memory of each call's structures on its cleaner thread
                    // after a GC; let it catch up so one case's backlog is not timed in the next.
                    System.gc()
                    Thread.sleep(2000)
                    repeat(5000) { core.handleMessage(page, message(it)) }
                    val start = System.nanoTime()
                    for (i in 0 until calls) check((core.handleMessage(page, message(i)).pageScript != null) == hasScript)
                    rounds.getValue(name) += (System.nanoTime() - start) / 1000.0 / calls
                }
            }
            for ((name, times) in rounds) {
                times.sort()
                println("kotlin %s %.2f us/call (rounds: %s)".format(name, times[ROUNDS / 2], times.joinToString(" ") { "%.2f".format(it) }))
            }
        }
    }
}
