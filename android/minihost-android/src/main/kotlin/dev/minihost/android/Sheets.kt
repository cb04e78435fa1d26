// HostUi for Android: the core's sheets (login, consent, pay, subscribe, wallet, ad) drawn as
// the page HostCore.sheetPage renders, in a full-screen dialog over the app. The sheet page
// posts its answers through `window.ipc`, as on the desktop; the core decides what they mean.
package dev.minihost.android

import android.annotation.SuppressLint
import android.app.Dialog
import android.graphics.Color
import android.graphics.drawable.ColorDrawable
import android.webkit.JavascriptInterface
import android.webkit.WebResourceRequest
import android.webkit.WebResourceResponse
import android.webkit.WebView
import android.webkit.WebViewClient
import dev.minihost.ffi.HostUi
import dev.minihost.ffi.SheetAnswer
import dev.minihost.ffi.SheetPage
import dev.minihost.ffi.handleSheetMessage

internal class Sheets(private val host: MinihostView) : HostUi {
    private var shown: Pair<ULong, Dialog>? = null

    override fun showSheet(id: ULong, sheetJson: String) = host.thread.onMain { present(id) }

    override fun closeSheet(id: ULong) = host.thread.onMain {
        val (open, dialog) = shown ?: return@onMain
        if (open != id) return@onMain
        shown = null
        dialog.setOnCancelListener(null)
        dialog.dismiss()
    }

    override fun redrawNavbar(navbarJson: String) = host.thread.onMain { host.navbar.update(navbarJson) }

    override fun setTheme(dark: Boolean) = host.thread.onMain { host.applyTheme(dark) }

    @SuppressLint("SetJavaScriptEnabled")
    private fun present(id: ULong) {
        val core = host.core ?: return
        val page = core.sheetPage(id) ?: return
        shown?.second?.dismiss()
        val dialog = Dialog(host.context, android.R.style.Theme_Translucent_NoTitleBar)
        val web = WebView(host.context)
        web.setBackgroundColor(Color.TRANSPARENT)
        web.settings.javaScriptEnabled = true
        web.settings.mediaPlaybackRequiresUserGesture = false // the ad sheet plays on show
        web.settings.allowFileAccess = false
        web.settings.allowContentAccess = false
        web.webViewClient = SheetClient(page)
        web.addJavascriptInterface(SheetChannel(page.url), "ipc")
        dialog.setContentView(web)
        dialog.window?.setBackgroundDrawable(ColorDrawable(Color.TRANSPARENT))
        // Back dismisses, as Escape does on the desktop.
        dialog.setOnCancelListener { host.thread.run { host.render(core.answerSheet(id, SheetAnswer.Dismiss)) } }
        dialog.setOnDismissListener { web.destroy() }
        web.loadUrl(page.url)
        dialog.show()
        shown = id to dialog
    }

    private inner class SheetClient(private val page: SheetPage) : WebViewClient() {
        override fun shouldInterceptRequest(view: WebView, request: WebResourceRequest): WebResourceResponse {
            val url = request.url.toString()
            return if (url == page.url) htmlResponse(page.html, page.csp) else refusedResponse(url)
        }

        override fun shouldOverrideUrlLoading(view: WebView, request: WebResourceRequest): Boolean =
            host.core?.isSheetNavigationAllowed(request.url.toString()) != true
    }

    private inner class SheetChannel(private val pageUrl: String) {
        @JavascriptInterface
        fun postMessage(message: String) {
            val core = host.core ?: return
            host.thread.run { host.render(core.handleSheetMessage(pageUrl, message)) }
        }
    }
}
