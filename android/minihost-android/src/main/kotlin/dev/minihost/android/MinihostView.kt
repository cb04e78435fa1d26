// The Android shell: a WebView under the native navbar and capsule, driven by HostCore. It moves
// requests, messages and effects between the WebView and the core; every decision (what to
// serve, which URLs and navigations are allowed, what a message means, where chrome goes, which
// sheet shows) is the core's, so the shell carries no bridge, policy or platform logic.
package dev.minihost.android

import android.annotation.SuppressLint
import android.content.Context
import android.graphics.Bitmap
import android.graphics.Color
import android.graphics.Rect
import android.os.Build
import android.os.Message
import android.util.Log
import android.view.Gravity
import android.view.View
import android.view.WindowInsets
import android.webkit.ConsoleMessage
import android.webkit.JavascriptInterface
import android.webkit.WebChromeClient
import android.webkit.WebResourceRequest
import android.webkit.WebResourceResponse
import android.webkit.WebView
import android.webkit.WebViewClient
import android.widget.FrameLayout
import android.widget.PopupMenu
import android.widget.TextView
import dev.minihost.ffi.EffectBatch
import dev.minihost.ffi.FfiRect
import dev.minihost.ffi.HostConfig
import dev.minihost.ffi.HostCore
import dev.minihost.ffi.ScreenMetrics
import dev.minihost.ffi.handleMessage

/**
 * One mini app. Call [start] once it is in a window, [setVisible] from the activity's
 * onResume/onPause, and [close] when the activity finishes. `onClose` runs when the user
 * closes the app from the capsule.
 */
class MinihostView(context: Context, private val config: HostConfig, private val onClose: () -> Unit = {}) : FrameLayout(context) {
    internal val thread = CoreThread()
    internal val navbar = NavbarView(context)
    @Volatile internal var core: HostCore? = null
        private set
    private val sheets = Sheets(this)
    internal val web = WebView(context)
    /** Where the core's layout puts the app; the WebView fills it. */
    internal val appFrame = FrameLayout(context).apply { addView(web, LayoutParams(LayoutParams.MATCH_PARENT, LayoutParams.MATCH_PARENT)) }
    internal val capsule = CapsuleView(context, onMenu = ::showMenu, onClose = ::closeFromCapsule)
    private var closed = false

    /** The page a message comes from: the core's ACL judges it (frames are refused by CSP). */
    @Volatile private var pageUrl = ""

    init {
        setBackgroundColor(Color.WHITE)
        addView(appFrame)
        addView(navbar)
        addView(capsule)
    }

    /** Starts the core off the main thread (it pairs with the platform), then loads the app. */
    fun start() {
        thread.run {
            val started = try {
                HostCore(config, sheets)
            } catch (e: Exception) {
                thread.onMain { showFatal(e.message ?: e.toString()) }
                return@run
            }
            core = started
            thread.onMain { load(started) }
        }
    }

    @SuppressLint("SetJavaScriptEnabled", "JavascriptInterface")
    private fun load(core: HostCore) {
        web.settings.apply {
            javaScriptEnabled = true
            domStorageEnabled = true
            mediaPlaybackRequiresUserGesture = false
            allowFileAccess = false
            allowContentAccess = false
            setSupportMultipleWindows(true) // so window.open reaches onCreateWindow, which refuses it
        }
        web.webViewClient = AppClient(core)
        web.webChromeClient = AppChrome(core)
        web.addJavascriptInterface(AndroidTransport(core), "MinihostAndroid")
        requestLayout()
        web.loadUrl(core.startUrl())
    }

    /** A call's page script (its replies and events) goes into the WebView; chrome effects came through [Sheets]. */
    internal fun render(batch: EffectBatch) {
        val script = batch.pageScript ?: return
        thread.onMain { web.evaluateJavascript(script, null) }
    }

    internal fun applyTheme(dark: Boolean) {
        setBackgroundColor(if (dark) Color.BLACK else Color.WHITE)
        capsule.setDark(dark)
    }

    fun setVisible(visible: Boolean) {
        val core = core ?: return
        thread.run { render(core.visibilityChanged(visible)) }
    }

    /** Sends `minis.destroy` and frees the core and the WebView. */
    fun close() {
        if (closed) return
        closed = true
        val core = core
        web.destroy()
        thread.run {
            core?.appClosing()
            core?.destroy()
        }
        thread.shutdown()
    }

    private fun closeFromCapsule() {
        close()
        onClose()
    }

    private fun showMenu(anchor: View) {
        val core = core ?: return
        val popup = PopupMenu(context, anchor)
        val items = core.capsuleMenu()
        items.forEachIndexed { i, item -> popup.menu.add(0, i, i, item.label) }
        popup.setOnMenuItemClickListener { chosen ->
            val id = items[chosen.itemId].id
            thread.run { render(core.menuChosen(id)) }
            true
        }
        popup.show()
    }

    // --- layout: the core places the navbar, capsule and app for the measured screen ---------

    override fun onLayout(changed: Boolean, left: Int, top: Int, right: Int, bottom: Int) {
        val core = core
        if (core == null) {
            super.onLayout(changed, left, top, right, bottom)
            return
        }
        val density = resources.displayMetrics.density
        val (statusBar, bottomInset) = insets()
        val layout = core.navbarLayout(
            ScreenMetrics(
                android = true,
                width = ((right - left) / density).toUInt(),
                height = ((bottom - top) / density).toUInt(),
                statusBarHeight = (statusBar / density).toUInt(),
                bottomInset = (bottomInset / density).toUInt(),
                pixelRatio = density,
            ),
        )
        appFrame.place(layout.app, density)
        navbar.visibility = if (layout.navbar == null) View.GONE else View.VISIBLE
        layout.navbar?.let { navbar.place(it, density) }
        val title = layout.title
        val bar = layout.navbar
        val frame = if (title != null && bar != null) FfiRect(title.left - bar.left, title.top - bar.top, title.width, title.height).px(density) else null
        if (navbar.titleFrame != frame) navbar.titleFrame = frame
        capsule.place(layout.capsule, density)
    }

    private fun insets(): Pair<Int, Int> {
        val insets = rootWindowInsets ?: return 0 to 0
        return if (Build.VERSION.SDK_INT >= 30) {
            val bars = insets.getInsets(WindowInsets.Type.systemBars())
            bars.top to bars.bottom
        } else {
            @Suppress("DEPRECATION")
            insets.systemWindowInsetTop to insets.systemWindowInsetBottom
        }
    }

    private fun FfiRect.px(density: Float): Rect {
        val px = { dp: UInt -> (dp.toFloat() * density).toInt() }
        return Rect(px(left), px(top), px(left) + px(width), px(top) + px(height))
    }

    private fun View.place(r: FfiRect, density: Float) {
        val frame = r.px(density)
        measure(MeasureSpec.makeMeasureSpec(frame.width(), MeasureSpec.EXACTLY), MeasureSpec.makeMeasureSpec(frame.height(), MeasureSpec.EXACTLY))
        layout(frame.left, frame.top, frame.right, frame.bottom)
    }

    private fun showFatal(text: String) {
        Log.e(TAG, text)
        removeAllViews()
        addView(TextView(context).apply {
            this.text = text
            gravity = Gravity.CENTER
            setPadding(48, 48, 48, 48)
        })
    }

    // --- the WebView's hooks, each one core call -----------------------------------------------

    /** The `android` transport of bridge-js: `window.MinihostAndroid.postMessage(json)`. */
    private inner class AndroidTransport(private val core: HostCore) {
        @JavascriptInterface
        fun postMessage(message: String) {
            val page = pageUrl
            thread.run { render(core.handleMessage(page, message)) }
        }
    }

    private inner class AppClient(private val core: HostCore) : WebViewClient() {
        /** Every request: the app's files from the core, refusals as 403, trusted domains to the network. */
        override fun shouldInterceptRequest(view: WebView, request: WebResourceRequest): WebResourceResponse? =
            core.interceptRequest(request.url.toString(), request.requestHeaders["Range"] ?: request.requestHeaders["range"])
                ?.toWebResponse()

        override fun shouldOverrideUrlLoading(view: WebView, request: WebResourceRequest): Boolean =
            !core.isNavigationAllowed(request.url.toString())

        override fun onPageStarted(view: WebView, url: String, favicon: Bitmap?) {
            pageUrl = url
            thread.run { render(core.pageStarted()) }
        }

        override fun doUpdateVisitedHistory(view: WebView, url: String, isReload: Boolean) {
            pageUrl = url // history.pushState keeps the page, changes its URL
        }

        override fun onPageFinished(view: WebView, url: String) {
            thread.run { render(core.pageLoaded(url)) }
        }
    }

    private inner class AppChrome(private val core: HostCore) : WebChromeClient() {
        override fun onCreateWindow(view: WebView, isDialog: Boolean, isUserGesture: Boolean, resultMsg: Message?): Boolean {
            val url = view.hitTestResult.extra ?: ""
            thread.run { core.isNewWindowAllowed(url) } // logs the refusal with its rule
            return false
        }

        override fun onReceivedTitle(view: WebView, title: String) {
            thread.run { render(core.titleChanged(title)) }
        }

        override fun onConsoleMessage(message: ConsoleMessage): Boolean {
            Log.d(TAG, "page: ${message.message()} (${message.sourceId()}:${message.lineNumber()})")
            return true
        }
    }
}
