// handle_message round trips through the Kotlin bindings on the JVM (see bench/ffi/run). Tagged
// `bench`, so `mvn test` skips it; it prints µs per call and asserts nothing about time.
package dev.minihost.conformance

import dev.minihost.ffi.Consent
import dev.minihost.ffi.HostConfig
import dev.minihost.ffi.HostCore
import dev.minihost.ffi.Transport
import org.junit.jupiter.api.Tag
import org.junit.jupiter.api.Test
import java.nio.file.Files

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
            val message = { i: Int -> """{"id":$i,"method":"share","params":{"title":"Episode 4"}}""" }
            repeat(5000) { core.handleMessage(page, message(it)) }
            val start = System.nanoTime()
            for (i in 0 until calls) check(core.handleMessage(page, message(i)).size == 1)
            println("kotlin %.2f us/call".format((System.nanoTime() - start) / 1000.0 / calls))
        }
    }
}
