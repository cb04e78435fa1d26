// HostCore's calls may reach the platform over HTTP, so none runs on the main thread. One
// thread keeps them in the order the page sent them; results go back to the main thread.
package dev.minihost.android

import android.os.Handler
import android.os.Looper
import android.util.Log
import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors

internal class CoreThread {
    private val executor: ExecutorService = Executors.newSingleThreadExecutor { Thread(it, "minihost-core") }
    private val main = Handler(Looper.getMainLooper())

    fun run(work: () -> Unit) {
        if (executor.isShutdown) return
        executor.execute {
            try {
                work()
            } catch (e: Exception) {
                Log.e(TAG, "core call failed", e)
            }
        }
    }

    fun onMain(work: () -> Unit) {
        main.post(work)
    }

    fun shutdown() = executor.shutdown()
}

internal const val TAG = "minihost"
