// The bundled sample drama (examples/mini-drama, packed into assets/mini-drama.zip by the build)
// in a MinihostView, against a `minihost platform serve --allow-remote` on the developer's
// machine. Override the platform and pairing token with intent extras:
//   adb shell am start -n dev.minihost.sample/.MainActivity --es platform http://192.168.1.20:8787 --es pairingToken TOKEN
package dev.minihost.sample

import android.app.Activity
import android.os.Bundle
import dev.minihost.android.MinihostView
import dev.minihost.ffi.Consent
import dev.minihost.ffi.HostConfig
import dev.minihost.ffi.Transport

class MainActivity : Activity() {
    private lateinit var host: MinihostView

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val config = HostConfig(
            appDir = null,
            appPackage = assets.open("mini-drama.zip").use { it.readBytes() },
            dataDir = filesDir.path,
            platformUrl = intent.getStringExtra("platform") ?: EMULATOR_HOST_PLATFORM,
            pairingToken = intent.getStringExtra("pairingToken"),
            transport = Transport.ANDROID,
            consent = Consent.ASK,
            user = intent.getStringExtra("user") ?: "alice",
            dark = false,
            clientKey = null,
        )
        host = MinihostView(this, config, onClose = ::finish)
        setContentView(host)
        host.start()
    }

    override fun onResume() {
        super.onResume()
        host.setVisible(true)
    }

    override fun onPause() {
        host.setVisible(false)
        super.onPause()
    }

    override fun onDestroy() {
        host.close()
        super.onDestroy()
    }

    private companion object {
        /** The developer machine's loopback as the Android emulator sees it. */
        const val EMULATOR_HOST_PLATFORM = "http://10.0.2.2:8787"
    }
}
