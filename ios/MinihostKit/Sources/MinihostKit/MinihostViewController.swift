// A WKWebView shell. It moves bytes between the web view and HostCore and renders the effects
// HostCore returns; every decision (bridge, policy, sheets, layout) is the core's.
import MinihostFFI
import UIKit
import WebKit

public final class MinihostViewController: UIViewController, WKNavigationDelegate, WKScriptMessageHandler, WKURLSchemeHandler {
    private let config: HostConfig
    private var core: HostCore?
    private var webView: WKWebView!
    private let navbar = UIView()
    private let titleLabel = UILabel()
    private let capsule = UIView()
    private lazy var sheets = NativeSheets(host: self)

    public init(config: HostConfig) {
        self.config = config
        super.init(nibName: nil, bundle: nil)
    }

    required init?(coder: NSCoder) { fatalError("use init(config:)") }

    public override func viewDidLoad() {
        super.viewDidLoad()
        do {
            core = try HostCore(config: config, ui: sheets)
        } catch {
            showFatal("\(error)")
            return
        }
        guard let core else { return }
        let content = WKUserContentController()
        // Document start, main frame only: the bridge before any page script.
        content.addUserScript(WKUserScript(source: core.documentStartScript(), injectionTime: .atDocumentStart, forMainFrameOnly: true))
        content.add(self, name: "minihost")
        let configuration = WKWebViewConfiguration()
        configuration.userContentController = content
        configuration.setURLSchemeHandler(self, forURLScheme: "minihost")
        configuration.allowsInlineMediaPlayback = true
        webView = WKWebView(frame: .zero, configuration: configuration)
        webView.navigationDelegate = self
        view.addSubview(webView)
        view.addSubview(navbar)
        navbar.addSubview(titleLabel)
        view.addSubview(capsule)
        webView.load(URLRequest(url: URL(string: core.startUrl())!))
    }

    public override func viewDidLayoutSubviews() {
        super.viewDidLayoutSubviews()
        guard let core else { return }
        let insets = view.safeAreaInsets
        let layout = core.navbarLayout(metrics: ScreenMetrics(
            android: false, width: UInt32(view.bounds.width), height: UInt32(view.bounds.height),
            statusBarHeight: UInt32(insets.top), bottomInset: UInt32(insets.bottom), pixelRatio: Float(UIScreen.main.scale)))
        webView.frame = layout.app.cgRect
        navbar.isHidden = layout.navbar == nil
        if let bar = layout.navbar { navbar.frame = bar.cgRect }
        if let title = layout.title { titleLabel.frame = title.cgRect.offsetBy(dx: 0, dy: -navbar.frame.minY) }
        capsule.frame = layout.capsule.cgRect
        capsule.layer.cornerRadius = capsule.frame.height / 2
        capsule.layer.borderWidth = 0.5
    }

    /// For the sheet presenter in this module.
    var coreForSheets: HostCore? { core }

    // MARK: effects

    func render(_ effects: [Effect]) {
        for effect in effects {
            if let script = effect.pageScript {
                webView.evaluateJavaScript(script, completionHandler: nil)
            }
        }
    }

    func answer(sheet id: UInt64, _ answer: SheetAnswer) {
        guard let core else { return }
        render(core.answerSheet(id: id, answer: answer))
    }

    func sheetReady(_ id: UInt64) {
        guard let core else { return }
        render(core.sheetReady(id: id))
    }

    func redraw(navbarJson: String) {
        guard let data = navbarJson.data(using: .utf8),
              let navbar = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return }
        titleLabel.text = navbar["title"] as? String
        titleLabel.textAlignment = .center
        if let background = navbar["background"] as? String { self.navbar.backgroundColor = UIColor(hex: background) }
        if let front = navbar["front"] as? String { titleLabel.textColor = UIColor(hex: front) }
    }

    // MARK: WKScriptMessageHandler (the `ios` transport)

    public func userContentController(_ controller: WKUserContentController, didReceive message: WKScriptMessage) {
        guard let core, let body = message.body as? String, message.frameInfo.isMainFrame else { return }
        // The core checks the origin again (its bridge ACL); a frame or another origin is refused.
        let page = message.frameInfo.request.url?.absoluteString ?? ""
        render(core.handleMessage(pageUrl: page, message: body))
    }

    // MARK: WKURLSchemeHandler (minihost://app)

    public func webView(_ webView: WKWebView, start task: WKURLSchemeTask) {
        guard let core, let url = task.request.url else { return }
        let range = task.request.value(forHTTPHeaderField: "Range")
        let answer = core.resolveAsset(url: url.absoluteString, range: range)
        var headers: [String: String] = [:]
        for header in answer.headers { headers[header.name] = header.value }
        let response = HTTPURLResponse(url: url, statusCode: Int(answer.status), httpVersion: "HTTP/1.1", headerFields: headers)!
        task.didReceive(response)
        task.didReceive(answer.body)
        task.didFinish()
    }

    public func webView(_ webView: WKWebView, stop task: WKURLSchemeTask) {}

    // MARK: WKNavigationDelegate

    public func webView(_ webView: WKWebView, decidePolicyFor action: WKNavigationAction, decisionHandler: @escaping (WKNavigationActionPolicy) -> Void) {
        guard let core, let url = action.request.url else { return decisionHandler(.cancel) }
        if action.targetFrame == nil {
            decisionHandler(.cancel) // new windows are never opened
            return
        }
        decisionHandler(core.isNavigationAllowed(url: url.absoluteString) ? .allow : .cancel)
    }

    public func webView(_ webView: WKWebView, didStartProvisionalNavigation navigation: WKNavigation!) {
        if let core { render(core.pageStarted()) }
    }

    public func webView(_ webView: WKWebView, didFinish navigation: WKNavigation!) {
        if let core, let url = webView.url { render(core.pageLoaded(url: url.absoluteString)) }
    }

    private func showFatal(_ text: String) {
        let label = UILabel(frame: view.bounds.insetBy(dx: 16, dy: 80))
        label.numberOfLines = 0
        label.text = text
        view.addSubview(label)
    }
}

extension FfiRect {
    var cgRect: CGRect { CGRect(x: Int(left), y: Int(top), width: Int(width), height: Int(height)) }
}

extension UIColor {
    convenience init?(hex: String) {
        guard hex.hasPrefix("#"), hex.count == 7, let value = UInt32(hex.dropFirst(), radix: 16) else { return nil }
        self.init(red: CGFloat((value >> 16) & 0xff) / 255, green: CGFloat((value >> 8) & 0xff) / 255, blue: CGFloat(value & 0xff) / 255, alpha: 1)
    }
}
