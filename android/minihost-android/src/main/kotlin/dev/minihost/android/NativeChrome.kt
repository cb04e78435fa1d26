// The navbar and the capsule, drawn natively where HostCore's layout puts them. What they show
// (title, colours, menu items) comes from the core's navbar effect and capsule menu.
package dev.minihost.android

import android.content.Context
import android.graphics.Color
import android.graphics.drawable.GradientDrawable
import android.view.Gravity
import android.view.View
import android.widget.FrameLayout
import android.widget.LinearLayout
import android.widget.TextView
import org.json.JSONObject

internal class NavbarView(context: Context) : FrameLayout(context) {
    val title = TextView(context).apply {
        gravity = Gravity.CENTER
        textSize = 17f
        maxLines = 1
    }

    /** Where the core's layout lets the title draw (it ends before the capsule), in px. */
    var titleFrame: android.graphics.Rect? = null
        set(value) {
            field = value
            requestLayout()
        }

    init {
        addView(title)
    }

    override fun onLayout(changed: Boolean, left: Int, top: Int, right: Int, bottom: Int) {
        val frame = titleFrame ?: return super.onLayout(changed, left, top, right, bottom)
        title.measure(MeasureSpec.makeMeasureSpec(frame.width(), MeasureSpec.EXACTLY), MeasureSpec.makeMeasureSpec(frame.height(), MeasureSpec.EXACTLY))
        title.layout(frame.left, frame.top, frame.right, frame.bottom)
    }

    /** The core's navbar effect: `{title, background, front, style, theme}`. */
    fun update(navbarJson: String) {
        val navbar = JSONObject(navbarJson)
        title.text = navbar.optString("title")
        navbar.optString("background").toColorOrNull()?.let(::setBackgroundColor)
        navbar.optString("front").toColorOrNull()?.let(title::setTextColor)
        visibility = if (navbar.optString("style") == "custom") View.GONE else View.VISIBLE
    }
}

internal class CapsuleView(context: Context, onMenu: (View) -> Unit, onClose: () -> Unit) : LinearLayout(context) {
    private val outline = GradientDrawable().apply { setStroke(1, Color.argb(40, 0, 0, 0)) }
    private val menu = button("•••") { onMenu(it) }.apply { contentDescription = "More" }
    private val close = button("✕") { onClose() }.apply { contentDescription = "Close" }

    init {
        orientation = HORIZONTAL
        background = outline
        addView(menu, LayoutParams(0, LayoutParams.MATCH_PARENT, 1f))
        addView(close, LayoutParams(0, LayoutParams.MATCH_PARENT, 1f))
    }

    private fun button(label: String, onClick: (View) -> Unit) = TextView(context).apply {
        text = label
        gravity = Gravity.CENTER
        setOnClickListener(onClick)
    }

    fun setDark(dark: Boolean) {
        val fill = if (dark) Color.argb(60, 0, 0, 0) else Color.argb(153, 255, 255, 255)
        val ink = if (dark) Color.WHITE else Color.BLACK
        outline.setColor(fill)
        menu.setTextColor(ink)
        close.setTextColor(ink)
    }

    /** Rounded ends: the radius is half the height the core's layout gives. */
    override fun onSizeChanged(w: Int, h: Int, oldw: Int, oldh: Int) {
        super.onSizeChanged(w, h, oldw, oldh)
        outline.cornerRadius = h / 2f
    }
}

private fun String.toColorOrNull(): Int? = takeIf { it.isNotEmpty() }?.let {
    try {
        Color.parseColor(it)
    } catch (e: IllegalArgumentException) {
        null
    }
}
