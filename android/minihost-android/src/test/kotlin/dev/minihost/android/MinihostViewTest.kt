// The shell's glue under Robolectric, against the real core (libminihost_ffi through JNA) and a
// real `minihost platform serve`: what the WebView is asked to load, what its client answers,
// what the transport delivers back, and which dialog a sheet opens. Robolectric's WebView records
// calls and renders nothing; the page itself is covered by the desktop e2e tests.
package dev.minihost.android

import android.app.Activity
import android.app.Dialog
import android.net.Uri
import android.os.Looper
import android.webkit.WebResourceRequest
import android.webkit.WebView
import dev.minihost.ffi.Consent
import dev.minihost.ffi.HostConfig
import dev.minihost.ffi.Transport
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import org.robolectric.shadows.ShadowDialog
import java.io.File
import java.nio.file.Files

@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34], manifest = Config.NONE)
class MinihostViewTest {
    private lateinit var platform: Process
    private lateinit var platformUrl: String
    private lateinit var view: MinihostView

    @Before
    fun start() {
        platform = ProcessBuilder(System.getProperty("minihost.bin"), "platform", "serve", "--addr", "127.0.0.1:0", "--in-memory")
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start()
        val line = platform.inputStream.bufferedReader().readLine() ?: error("platform serve printed nothing")
        platformUrl = line.removePrefix("platform listening on ").trim()
        val app = Files.createTempDirectory("app").toFile()
        File(app, "minis.config.json").writeText("""{"dev": {"clientKey": "android-glue"}, "domain": {"trustedDomains": ["https://api.example.com"]}}""")
        File(app, "index.html").writeText("<!doctype html><title>Glue</title>")
        val activity = Robolectric.buildActivity(Activity::class.java).setup().get()
        view = MinihostView(activity, HostConfig(
            appDir = app.path, appPackage = null, dataDir = Files.createTempDirectory("data").toString(),
            platformUrl = platformUrl, pairingToken = null, transport = Transport.ANDROID, consent = Consent.ASK,
            user = null, dark = false, clientKey = null,
        ))
        activity.setContentView(view)
        view.start()
        waitFor("the app's start URL is loaded") { shadowOf(view.web).getLastLoadedUrl() != null }
    }

    @After
    fun stop() {
        view.close()
        platform.destroyForcibly().waitFor()
    }

    /** Runs the main looper until `done` holds: the core answers on its own thread. */
    private fun waitFor(what: String, done: () -> Boolean) {
        val deadline = System.nanoTime() + 20_000_000_000
        while (!done()) {
            check(System.nanoTime() < deadline) { "gave up waiting: $what" }
            shadowOf(Looper.getMainLooper()).idle()
            Thread.yield()
        }
    }

    private fun request(url: String) = object : WebResourceRequest {
        override fun getUrl(): Uri = Uri.parse(url)
        override fun isForMainFrame() = true
        override fun isRedirect() = false
        override fun hasGesture() = false
        override fun getMethod() = "GET"
        override fun getRequestHeaders(): Map<String, String> = emptyMap()
    }

    private fun webViewIn(root: android.view.View): WebView? = when (root) {
        is WebView -> root
        is android.view.ViewGroup -> (0 until root.childCount).firstNotNullOfOrNull { webViewIn(root.getChildAt(it)) }
        else -> null
    }

    private val client get() = shadowOf(view.web).webViewClient

    @Test
    fun `the app loads from the https origin with the bridge inlined ahead of the page`() {
        assertEquals("https://app.minihost.invalid/", shadowOf(view.web).getLastLoadedUrl())
        val page = client.shouldInterceptRequest(view.web, request("https://app.minihost.invalid/"))!!
        assertEquals(200, page.statusCode)
        assertTrue(page.responseHeaders["content-security-policy"]!!.contains("connect-src 'self' https://app.minihost.invalid https://api.example.com"))
        val html = page.data.readBytes().decodeToString()
        assertTrue(html, html.startsWith("<!doctype html><script>") && html.contains("MinihostAndroid"))
        assertTrue(view.web.settings.javaScriptEnabled)
        assertFalse(view.web.settings.allowFileAccess)
    }

    @Test
    fun `requests and navigations are the core's decisions`() {
        assertNull("a trusted domain goes to the network", client.shouldInterceptRequest(view.web, request("https://api.example.com/v1")))
        val refused = client.shouldInterceptRequest(view.web, request("https://api.example.com.evil.test/"))!!
        assertEquals(403, refused.statusCode)
        assertEquals("Forbidden", refused.reasonPhrase)
        assertEquals(404, client.shouldInterceptRequest(view.web, request("https://app.minihost.invalid/nope.js"))!!.statusCode)
        assertFalse(client.shouldOverrideUrlLoading(view.web, request("https://app.minihost.invalid/ep/2.html")))
        assertTrue(client.shouldOverrideUrlLoading(view.web, request("https://example.com/")))
    }

    @Test
    fun `a message through the android transport is answered in the page, a sheet in a dialog`() {
        client.onPageStarted(view.web, "https://app.minihost.invalid/", null)
        val transport = shadowOf(view.web).getJavascriptInterface("MinihostAndroid")!!
        val post = transport.javaClass.getMethod("postMessage", String::class.java)
        post.invoke(transport, """{"id":7,"method":"getSystemInfo","params":{}}""")
        waitFor("the reply is evaluated") { shadowOf(view.web).lastEvaluatedJavascript?.contains("""\"id\":7""") == true }
        assertTrue(shadowOf(view.web).lastEvaluatedJavascript!!.contains("__minihost_reply"))

        // Signed out: login opens the login sheet; Back dismisses it and the page hears why.
        post.invoke(transport, """{"id":8,"method":"login","params":{}}""")
        waitFor("the login sheet's dialog") { ShadowDialog.getLatestDialog()?.isShowing == true }
        val dialog: Dialog = ShadowDialog.getLatestDialog()
        val sheet = webViewIn(dialog.window!!.decorView)
        assertNotNull("the sheet is a WebView", sheet)
        val sheetUrl = shadowOf(sheet).getLastLoadedUrl()
        assertEquals("minihost-chrome://host/sheet.html", sheetUrl)
        val sheetPage = shadowOf(sheet).webViewClient.shouldInterceptRequest(sheet, request(sheetUrl))!!
        assertEquals("default-src 'none'", sheetPage.responseHeaders["Content-Security-Policy"]!!.substringBefore(';'))
        assertEquals(403, shadowOf(sheet).webViewClient.shouldInterceptRequest(sheet, request("https://api.example.com/"))!!.statusCode)
        assertNotNull(shadowOf(sheet).getJavascriptInterface("ipc"))
        dialog.cancel()
        waitFor("the login's reply") { shadowOf(view.web).lastEvaluatedJavascript?.contains("""\"id\":8""") == true }
        assertFalse(dialog.isShowing)
    }

    @Test
    fun `chrome and app go where the core's layout puts them`() {
        val density = view.resources.displayMetrics.density
        view.measure(
            android.view.View.MeasureSpec.makeMeasureSpec((412 * density).toInt(), android.view.View.MeasureSpec.EXACTLY),
            android.view.View.MeasureSpec.makeMeasureSpec((915 * density).toInt(), android.view.View.MeasureSpec.EXACTLY),
        )
        view.layout(0, 0, (412 * density).toInt(), (915 * density).toInt())
        val dp = { px: Int -> Math.round(px / density) }
        // The capsule's right edge is 7 dp from the screen's; the app starts under the 44 dp navbar.
        assertEquals(412 - 7, dp(view.capsule.right))
        assertEquals(44, dp(view.navbar.bottom) - dp(view.navbar.top))
        assertEquals(dp(view.navbar.bottom), dp(view.appFrame.top))
        assertEquals(915, dp(view.appFrame.bottom))
        assertEquals(412, dp(view.appFrame.width))
        assertTrue("the title ends before the capsule", view.navbar.titleFrame!!.right <= view.capsule.left)
    }
}
