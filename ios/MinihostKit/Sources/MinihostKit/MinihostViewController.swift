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
    private let capsule = UIStackView()
    private let menuButton = UIButton(type: .system)
    private let closeButton = UIButton(type: .system)
    private var titleObservation: NSKeyValueObservation?
    private lazy var sheets = NativeSheets(host: self)
    /// Core calls may reach the platform over HTTP: they run here, in the page's order.
    private let coreQueue = DispatchQueue(label: "minihost-core")
    /// Called after the user closes the app from the capsule.
    public var onClose: () -> Void = {}

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
        titleObservation = webView.observe(\.title, options: [.new]) { [weak self] web, _ in
            guard let self, let title = web.title else { return }
            self.onCore { $0.titleChanged(title: title) }
        }
        view.addSubview(webView)
        view.addSubview(navbar)
        navbar.addSubview(titleLabel)
        setUpCapsule(core)
        view.addSubview(capsule)
        webView.load(URLRequest(url: URL(string: core.startUrl())!))
    }

    /// ••• shows the core's capsule menu; ✕ closes the app.
    private func setUpCapsule(_ core: HostCore) {
        menuButton.setTitle("•••", for: .normal)
        menuButton.accessibilityLabel = "More"
        menuButton.showsMenuAsPrimaryAction = true
        menuButton.menu = UIMenu(children: core.capsuleMenu().map { item in
            UIAction(title: item.label) { [weak self] _ in self?.onCore { $0.menuChosen(id: item.id) } }
        })
        closeButton.setTitle("✕", for: .normal)
        closeButton.accessibilityLabel = "Close"
        closeButton.addAction(UIAction { [weak self] _ in self?.close() }, for: .touchUpInside)
        capsule.axis = .horizontal
        capsule.distribution = .fillEqually
        capsule.addArrangedSubview(menuButton)
        capsule.addArrangedSubview(closeButton)
    }

    /// Sends `minis.destroy`, then tells the embedder.
    public func close() {
        onCore { $0.appClosing() }
        coreQueue.async { DispatchQueue.main.async { self.onClose() } }
    }

    public override func viewDidAppear(_ animated: Bool) {
        super.viewDidAppear(animated)
        onCore { $0.visibilityChanged(visible: true) }
    }

    public override func viewWillDisappear(_ animated: Bool) {
        super.viewWillDisappear(animated)
        onCore { $0.visibilityChanged(visible: false) }
    }

    /// Runs a core call off the main thread and renders its effects.
    func onCore(_ call: @escaping (HostCore) -> EffectBatch) {
        guard let core else { return }
        coreQueue.async {
            let batch = call(core)
            DispatchQueue.main.async { self.render(batch) }
        }
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

    /// The call's replies and events, in one script; chrome effects came through `NativeSheets`.
    func render(_ batch: EffectBatch) {
        if let script = batch.pageScript {
            webView.evaluateJavaScript(script, completionHandler: nil)
        }
    }

    func answer(sheet id: UInt64, _ answer: SheetAnswer) {
        onCore { $0.answerSheet(id: id, answer: answer) }
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
        guard let body = message.body as? String, message.frameInfo.isMainFrame else { return }
        // The core checks the origin again (its bridge ACL); a frame or another origin is refused.
        let page = message.frameInfo.request.url?.absoluteString ?? ""
        // UTF-8 bytes: uniffi lends them to Rust for the call rather than copying a String.
        onCore { $0.handleMessage(pageUrl: Data(page.utf8), message: Data(body.utf8)) }
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
            _ = core.isNewWindowAllowed(url: url.absoluteString) // never; logged with its rule
            decisionHandler(.cancel)
            return
        }
        decisionHandler(core.isNavigationAllowed(url: url.absoluteString) ? .allow : .cancel)
    }

    public func webView(_ webView: WKWebView, didStartProvisionalNavigation navigation: WKNavigation!) {
        onCore { $0.pageStarted() }
    }

    public func webView(_ webView: WKWebView, didFinish navigation: WKNavigation!) {
        guard let url = webView.url?.absoluteString else { return }
        onCore { $0.pageLoaded(url: url) }
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
