// HostUi for iOS: the core's sheets drawn as their web page (HostCore.sheetPage) in a second
// WKWebView presented over the app, with its own message channel, like the desktop shell.
import MinihostFFI
import UIKit
import WebKit

final class NativeSheets: NSObject, HostUi, WKScriptMessageHandler, WKURLSchemeHandler, @unchecked Sendable {
    private weak var host: MinihostViewController?
    private var presented: (id: UInt64, controller: UIViewController)?
    private var page: SheetPage?

    init(host: MinihostViewController) {
        self.host = host
    }

    func showSheet(id: UInt64, sheetJson: String) {
        DispatchQueue.main.async { self.present(id) }
    }

    func closeSheet(id: UInt64) {
        DispatchQueue.main.async {
            guard let presented = self.presented, presented.id == id else { return }
            presented.controller.dismiss(animated: true)
            self.presented = nil
        }
    }

    func redrawNavbar(navbarJson: String) {
        DispatchQueue.main.async { self.host?.redraw(navbarJson: navbarJson) }
    }

    func setTheme(dark: Bool) {
        DispatchQueue.main.async { self.host?.overrideUserInterfaceStyle = dark ? .dark : .light }
    }

    private func present(_ id: UInt64) {
        guard let host, let sheet = host.sheetPage(id) else { return }
        page = sheet
        let content = WKUserContentController()
        content.add(self, name: "minihostSheet")
        // The sheet page posts through `window.ipc`; give it that name on iOS.
        content.addUserScript(WKUserScript(
            source: "window.ipc={postMessage:function(m){window.webkit.messageHandlers.minihostSheet.postMessage(m)}};",
            injectionTime: .atDocumentStart, forMainFrameOnly: true))
        let configuration = WKWebViewConfiguration()
        configuration.userContentController = content
        configuration.setURLSchemeHandler(self, forURLScheme: "minihost-chrome")
        configuration.allowsInlineMediaPlayback = true
        configuration.mediaTypesRequiringUserActionForPlayback = []
        let webView = WKWebView(frame: host.view.bounds, configuration: configuration)
        webView.isOpaque = false
        webView.backgroundColor = .clear
        let controller = UIViewController()
        controller.view = webView
        controller.modalPresentationStyle = .overFullScreen
        webView.load(URLRequest(url: URL(string: sheet.url)!))
        host.present(controller, animated: true)
        presented = (id, controller)
    }

    func userContentController(_ controller: WKUserContentController, didReceive message: WKScriptMessage) {
        guard let host, let body = message.body as? String, let url = page?.url else { return }
        host.renderSheetMessage(pageUrl: url, message: body)
    }

    func webView(_ webView: WKWebView, start task: WKURLSchemeTask) {
        guard let page, let url = task.request.url else { return }
        let response = HTTPURLResponse(url: url, statusCode: 200, httpVersion: "HTTP/1.1",
                                       headerFields: ["Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": page.csp])!
        task.didReceive(response)
        task.didReceive(Data(page.html.utf8))
        task.didFinish()
    }

    func webView(_ webView: WKWebView, stop task: WKURLSchemeTask) {}
}

extension MinihostViewController {
    func sheetPage(_ id: UInt64) -> SheetPage? { coreForSheets?.sheetPage(id: id) }

    func renderSheetMessage(pageUrl: String, message: String) {
        onCore { $0.handleSheetMessage(pageUrl: Data(pageUrl.utf8), message: Data(message.utf8)) }
    }
}
