import Foundation

/// The paths and methods the OpenAPI document describes, for telling a
/// wrong method on a known path (405 with `Allow`) from an unknown path (404).
struct DocumentedRoutes: Sendable {
    /// Path templates split into segments (`{id}` matches any one segment), with their methods.
    let routes: [(segments: [String], methods: [String])]

    static let shared = DocumentedRoutes(json: OpenAPIDocument.json)

    init(json: String) {
        let document = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] ?? [:]
        let paths = document["paths"] as? [String: [String: Any]] ?? [:]
        routes = paths.map { path, operations in
            (path.split(separator: "/").map(String.init),
             operations.keys.map { $0.uppercased() }.filter { ["GET", "POST", "PUT", "PATCH", "DELETE"].contains($0) }.sorted())
        }
    }

    /// The methods documented for a concrete path (empty: no such path).
    func methods(for path: String) -> [String] {
        let segments = path.split(separator: "/").map(String.init)
        for route in routes where route.segments.count == segments.count {
            let matches = zip(route.segments, segments).allSatisfy { template, segment in
                template.hasPrefix("{") || template == segment
            }
            if matches { return route.methods }
        }
        return []
    }
}
