// The conformance vectors (tests/conformance/*.json) through the generated Kotlin bindings on
// the JVM, against the Linux libminihost_ffi through JNA. Each vector gets a fresh
// `minihost platform serve --in-memory` and HostCore; the shared Rust matcher judges each step.
package dev.minihost.conformance

import dev.minihost.ffi.Consent
import dev.minihost.ffi.EffectBatch
import dev.minihost.ffi.HostConfig
import dev.minihost.ffi.HostCore
import dev.minihost.ffi.HostUi
import dev.minihost.ffi.MinihostException
import dev.minihost.ffi.ScreenMetrics
import dev.minihost.ffi.SheetAnswer
import dev.minihost.ffi.Transport
import dev.minihost.ffi.conformanceMatch
import dev.minihost.ffi.conformanceSubstitute
import dev.minihost.ffi.handleMessage
import org.json.JSONArray
import org.json.JSONObject
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import java.io.File
import java.net.HttpURLConnection
import java.net.URI
import java.net.URLEncoder
import java.nio.file.Files
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue

private val vectors = File(System.getProperty("minihost.vectors")).listFiles { f -> f.name.endsWith(".json") }!!.sortedBy { it.name }

/** `minihost platform serve --in-memory` on a free loopback port. */
private class Platform : AutoCloseable {
    private val process = ProcessBuilder(System.getProperty("minihost.bin"), "platform", "serve", "--addr", "127.0.0.1:0", "--in-memory")
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start()
    val url: String

    init {
        val line = process.inputStream.bufferedReader().readLine() ?: error("platform serve printed nothing")
        check(line.startsWith("platform listening on ")) { line }
        url = line.removePrefix("platform listening on ").trim()
    }

    override fun close() {
        process.destroyForcibly().waitFor()
    }
}

private fun http(base: String, step: JSONObject): Any {
    val conn = URI(base + step.getString("path")).toURL().openConnection() as HttpURLConnection
    conn.requestMethod = step.optString("method", "GET")
    step.optString("bearer").takeIf { it.isNotEmpty() }?.let { conn.setRequestProperty("Authorization", "Bearer $it") }
    val body = when {
        step.has("form") -> {
            conn.setRequestProperty("Content-Type", "application/x-www-form-urlencoded")
            val form = step.getJSONObject("form")
            form.keys().asSequence().joinToString("&") { k -> "$k=" + URLEncoder.encode(form.getString(k), "UTF-8") }
        }
        step.has("json") -> {
            conn.setRequestProperty("Content-Type", "application/json")
            step.get("json").toString()
        }
        else -> null
    }
    if (body != null) {
        conn.doOutput = true
        conn.outputStream.use { it.write(body.toByteArray()) }
    }
    val stream = if (conn.responseCode < 400) conn.inputStream else conn.errorStream
    return JSONObject(stream.bufferedReader().readText())
}

private fun answer(value: Any): SheetAnswer = when (value) {
    "allow" -> SheetAnswer.Allow
    "deny" -> SheetAnswer.Deny
    "dismiss" -> SheetAnswer.Dismiss
    "ad_ended" -> SheetAnswer.AdEnded
    is JSONObject -> if (value.has("sign_in")) SheetAnswer.SignIn(value.getString("sign_in")) else SheetAnswer.TopUp(value.getString("top_up"))
    else -> error("unknown answer $value")
}

private fun writeApp(vector: JSONObject, dir: File) {
    File(dir, "minis.config.json").writeText(vector.getJSONObject("config").toString())
    File(dir, "index.html").writeText("<!doctype html><title>Conformance</title>")
    val files = vector.optJSONObject("files") ?: return
    for (name in files.keys()) {
        val content = files.get(name)
        val text = if (content is JSONObject) content.getString("repeat").repeat(content.getInt("times")) else content as String
        File(dir, name).apply { parentFile.mkdirs() }.writeText(text)
    }
}

private fun config(app: File?, data: File, platform: String, host: JSONObject, transport: Transport = Transport.ANDROID) = HostConfig(
    appDir = app?.path,
    appPackage = null,
    dataDir = data.path,
    platformUrl = platform,
    pairingToken = null,
    transport = transport,
    consent = when (host.optString("consent")) {
        "allow" -> Consent.ALLOW
        "deny" -> Consent.DENY
        else -> Consent.ASK
    },
    user = if (!host.has("user")) "alice" else if (host.isNull("user")) null else host.getString("user"),
    dark = false,
    clientKey = null,
    appOrigin = null,
)

private fun asset(r: dev.minihost.ffi.AssetResponse): JSONObject {
    val headers = JSONObject()
    r.headers.forEach { headers.put(it.name.lowercase(), it.value) }
    return JSONObject()
        .put("status", r.status.toInt())
        .put("reason", r.reason)
        .put("headers", headers)
        .put("body_len", r.body.size)
        .put("body_prefix", String(r.body.copyOf(minOf(32, r.body.size)), Charsets.UTF_8))
}

private fun effects(batch: EffectBatch) = JSONArray(batch.effectsJson)

private fun run(file: File) {
    val vector = JSONObject(file.readText())
    Platform().use { platform ->
        vector.optJSONArray("setup")?.forEach { http(platform.url, it as JSONObject) }
        val app = Files.createTempDirectory("app").toFile()
        val data = Files.createTempDirectory("data").toFile()
        writeApp(vector, app)
        HostCore(config(app, data, platform.url, vector.optJSONObject("host") ?: JSONObject()), null).use { core ->
            val origin = core.appOrigin()
            var vars = JSONObject().put("app", origin).toString()
            val steps = vector.getJSONArray("steps")
            for (i in 0 until steps.length()) {
                val step = JSONObject(conformanceSubstitute(steps.getJSONObject(i).toString(), vars))
                val page = step.optString("page", "$origin/index.html")
                val actual: Any = when (val kind = step.getString("do")) {
                    "message" -> effects(core.handleMessage(page, if (step.has("raw")) step.getString("raw") else step.getJSONObject("message").toString()))
                    "answer" -> effects(core.answerSheet(step.getLong("sheet").toULong(), answer(step.get("answer"))))
                    "ready" -> effects(core.sheetReady(step.getLong("sheet").toULong()))
                    "asset" -> asset(core.resolveAsset(step.getString("url"), step.optString("range").takeIf { it.isNotEmpty() }))
                    "intercept" -> core.interceptRequest(step.getString("url"), step.optString("range").takeIf { it.isNotEmpty() })
                        ?.let(::asset) ?: JSONObject.NULL
                    "request_allowed" -> core.isRequestAllowed(step.getString("url"))
                    "navigation_allowed" -> core.isNavigationAllowed(step.getString("url"))
                    "menu" -> effects(core.menuChosen(step.getString("id")))
                    "title" -> effects(core.titleChanged(step.getString("title")))
                    "http" -> http(platform.url, step)
                    "script" -> core.documentStartScript()
                    else -> error("unknown step $kind")
                }
                val m = conformanceMatch(JSONObject.valueToString(step.get("expect")), JSONObject.valueToString(actual), vars)
                assertTrue(m.ok, "${file.name} at $origin, step $i (${step.getString("do")}): ${m.message}")
                vars = m.varsJson
            }
        }
    }
}

class ConformanceTest {
    @TestFactory
    fun vectors(): List<DynamicTest> {
        assertTrue(vectors.size >= 7, "vectors found: ${vectors.size}")
        return vectors.map { file -> DynamicTest.dynamicTest(file.nameWithoutExtension) { run(file) } }
    }

    @Test
    fun `a bad config is one clear error`() {
        Platform().use { platform ->
            val app = Files.createTempDirectory("bad").toFile()
            File(app, "minis.config.json").writeText("""{"dev": {"port": true}}""")
            File(app, "index.html").writeText("<title>x</title>")
            val err = assertFailsWith<MinihostException.App> {
                HostCore(config(app, Files.createTempDirectory("data").toFile(), platform.url, JSONObject()), null)
            }
            assertTrue(err.message.contains("dev.port"), err.message)
        }
    }

    @Test
    fun `the shell's HostUi hears chrome effects and the layout fits the measured screen`() {
        val calls = mutableListOf<String>()
        val ui = object : HostUi {
            override fun showSheet(id: ULong, sheetJson: String) { calls += "show $id ${JSONObject(sheetJson).getString("kind")}" }
            override fun closeSheet(id: ULong) { calls += "close $id" }
            override fun redrawNavbar(navbarJson: String) { calls += "navbar ${JSONObject(navbarJson).getString("background")}" }
            override fun setTheme(dark: Boolean) { calls += "theme $dark" }
        }
        Platform().use { platform ->
            val app = Files.createTempDirectory("ui").toFile()
            File(app, "minis.config.json").writeText("""{"dev": {"clientKey": "ui-calls"}, "domain": {"trustedDomains": []}}""")
            File(app, "index.html").writeText("<title>x</title>")
            val host = JSONObject().put("user", JSONObject.NULL)
            HostCore(config(app, Files.createTempDirectory("data").toFile(), platform.url, host), ui).use { core ->
                val page = core.startUrl() + "index.html"
                assertEquals("https://app.minihost.invalid/", core.startUrl())
                core.handleMessage(page, """{"id":1,"method":"login","params":{}}""")
                core.answerSheet(1uL, SheetAnswer.Dismiss)
                core.handleMessage(page, """{"id":2,"method":"setNavigationBarColor","params":{"frontColor":"#ffffff","backgroundColor":"#112233"}}""")
                assertEquals(listOf("show 1 login", "close 1", "navbar #112233"), calls)
                assertTrue(core.documentStartScript().contains("MinihostAndroid"))
                val layout = core.navbarLayout(ScreenMetrics(android = true, width = 412u, height = 915u, statusBarHeight = 24u, bottomInset = 16u, pixelRatio = 2.625f))
                assertEquals(412u - 7u, layout.capsule.left + layout.capsule.width)
                assertEquals(24u + 44u, layout.app.top)
            }
        }
    }
}
