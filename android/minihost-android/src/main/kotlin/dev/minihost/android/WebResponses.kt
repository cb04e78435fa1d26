// Core responses in the WebView's response type. Conversion only: status, headers and bytes
// come from HostCore as they are.
package dev.minihost.android

import android.webkit.WebResourceResponse
import dev.minihost.ffi.AssetResponse
import java.io.ByteArrayInputStream

internal fun AssetResponse.toWebResponse(): WebResourceResponse {
    val headerMap = headers.associate { it.name to it.value }
    val contentType = headerMap.entries.firstOrNull { it.key.equals("content-type", ignoreCase = true) }?.value
        ?: "application/octet-stream"
    val mime = contentType.substringBefore(';').trim()
    val charset = contentType.substringAfter("charset=", "").trim().ifEmpty { null }
    return WebResourceResponse(mime, charset, status.toInt(), reason, headerMap, ByteArrayInputStream(body))
}

internal fun htmlResponse(html: String, csp: String): WebResourceResponse = WebResourceResponse(
    "text/html", "utf-8", 200, "OK", mapOf("Content-Security-Policy" to csp), ByteArrayInputStream(html.toByteArray()),
)

internal fun refusedResponse(url: String): WebResourceResponse = WebResourceResponse(
    "text/plain", "utf-8", 403, "Forbidden", emptyMap(), ByteArrayInputStream("minihost: $url is not served here".toByteArray()),
)
