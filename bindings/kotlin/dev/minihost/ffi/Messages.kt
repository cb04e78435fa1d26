// HostCore's page and sheet messages as strings, compiled with the generated bindings (by
// android/jvm-tests, and so into minihost-android). The generated calls take UTF-8 in direct
// ByteBuffers, which uniffi lends to Rust for the call; a String argument would cost two more
// JNA calls and structures each (BENCHMARKS.md, bench/ffi). Each thread encodes into buffers
// it reuses.
package dev.minihost.ffi

import java.nio.ByteBuffer

/** One message from the app's webview, and the webview's current URL. */
fun HostCore.handleMessage(pageUrl: String, message: String): EffectBatch =
    withUtf8(pageUrl, message) { page, body -> handleMessage(page, body) }

/** One message from a sheet's webview, and the sheet's URL. */
fun HostCore.handleSheetMessage(pageUrl: String, message: String): EffectBatch =
    withUtf8(pageUrl, message) { page, body -> handleSheetMessage(page, body) }

/** Buffers kept for the next call on this thread; a call takes them, so a nested call gets its own. */
private val spare = ThreadLocal<Utf8Args?>()

private inline fun <R> withUtf8(first: String, second: String, call: (ByteBuffer, ByteBuffer) -> R): R {
    val args = spare.get() ?: Utf8Args()
    spare.set(null)
    try {
        return call(args.first.encode(first), args.second.encode(second))
    } finally {
        spare.set(args)
    }
}

private class Utf8Args {
    val first = Utf8Buffer()
    val second = Utf8Buffer()
}

/** A direct buffer that grows to the largest text it held, up to [KEEP] bytes; larger text gets a buffer of its own. */
private class Utf8Buffer {
    private var buffer: ByteBuffer = ByteBuffer.allocateDirect(256)

    fun encode(text: String): ByteBuffer {
        val bytes = text.encodeToByteArray()
        val target = when {
            bytes.size <= buffer.capacity() -> buffer
            bytes.size <= KEEP -> ByteBuffer.allocateDirect(bytes.size).also { buffer = it }
            else -> ByteBuffer.allocateDirect(bytes.size)
        }
        // Statements, not a chain: Buffer's covariant returns are missing before Android 10.
        target.clear()
        target.put(bytes)
        target.flip()
        return target
    }

    private companion object {
        const val KEEP = 64 * 1024
    }
}
