import Foundation

/// Where `require` may find modules: a policy set's folder and the shared
/// `Policies/lib` folder, in that order. Names are dotted Lua identifiers
/// (`"scoring"`, `"tiers.common"` → `tiers/common.lua`); anything else — `..`,
/// slashes, absolute paths, C modules, a symlink leading out of a root — is a
/// sandbox violation.
public struct ModuleResolver: Sendable {
    public struct Root: Sendable {
        /// The folder on disk.
        public var directory: URL
        /// How chunk names show this folder in messages (e.g. `Policies/lib`).
        public var displayPath: String

        public init(directory: URL, displayPath: String? = nil) {
            self.directory = directory.standardizedFileURL
            self.displayPath = displayPath ?? directory.relativePath
        }
    }

    public var roots: [Root]

    public init(roots: [Root]) { self.roots = roots }

    /// The roots for policy set folder `setDirectory`: itself, then the shared
    /// library, by default the `lib` folder beside it (`Policies/telecom` → `Policies/lib`).
    public static func forPolicySet(at setDirectory: URL, displayPath: String? = nil, library: Root? = nil) -> ModuleResolver {
        let set = Root(directory: setDirectory, displayPath: displayPath)
        return ModuleResolver(roots: [set, library ?? sharedLibrary(besideSet: setDirectory, displayPath: set.displayPath)])
    }

    /// The `lib` folder beside a set folder, named the way the set is (`Policies/telecom` → `Policies/lib`).
    public static func sharedLibrary(besideSet setDirectory: URL, displayPath: String? = nil) -> Root {
        let display = displayPath ?? setDirectory.relativePath
        return Root(directory: setDirectory.standardizedFileURL.deletingLastPathComponent().appendingPathComponent("lib"),
                    displayPath: sibling("lib", of: display))
    }

    /// The display path of folder `name` beside `path` (`Policies/telecom` → `Policies/lib`).
    static func sibling(_ name: String, of path: String) -> String {
        var parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        while parts.count > 1, parts.last == "" { parts.removeLast() }
        switch parts.last {
        case nil, "", ".": return "../" + name
        case "..": return path + "/../" + name
        default:
            parts.removeLast()
            return parts.isEmpty ? name : (parts == [""] ? "/" + name : parts.joined(separator: "/") + "/" + name)
        }
    }

    public enum Resolution: Equatable, Sendable {
        case found(chunkName: String, source: String)
        case notFound(String)
        case forbidden(String)
    }

    public func resolve(_ name: String) -> Resolution {
        guard Self.isValidName(name) else {
            return .forbidden("require '\(name)' is not allowed: module names are dotted Lua identifiers "
                + "resolved inside the policy set and Policies/lib only")
        }
        let relative = name.split(separator: ".").joined(separator: "/") + ".lua"
        var tried: [String] = []
        for root in roots {
            let candidate = root.directory.appendingPathComponent(relative)
            tried.append(root.displayPath + "/" + relative)
            guard FileManager.default.fileExists(atPath: candidate.path) else { continue }
            let real = candidate.resolvingSymlinksInPath().path
            let rootReal = root.directory.resolvingSymlinksInPath().path
            guard real.hasPrefix(rootReal + "/") else {
                return .forbidden("require '\(name)' resolves outside \(root.displayPath)")
            }
            do {
                let source = try String(contentsOfFile: real, encoding: .utf8)
                return .found(chunkName: root.displayPath + "/" + relative, source: source)
            } catch {
                return .notFound("module '\(name)' could not be read: \(error.localizedDescription)")
            }
        }
        var message = "module '\(name)' not found (looked for \(tried.joined(separator: ", ")))"
        // Name what there is, so a typo shows next to the right name.
        let available = roots.flatMap { root -> [String] in
            let files = (try? FileManager.default.subpathsOfDirectory(atPath: root.directory.path)) ?? []
            return files.filter { $0.hasSuffix(".lua") && !$0.hasPrefix("fixtures/") && !$0.contains("/.") && !$0.hasPrefix(".") }
                .map { String($0.dropLast(4)).replacingOccurrences(of: "/", with: ".") }
        }
        let names = Array(Set(available)).sorted()
        if !names.isEmpty {
            message += "; modules there: " + names.prefix(20).joined(separator: ", ") + (names.count > 20 ? ", …" : "")
        }
        // A set copied out of its Policies folder has no lib beside it: say how to name one.
        let missing = roots.dropFirst().filter { !FileManager.default.fileExists(atPath: $0.directory.path) }
        if !missing.isEmpty {
            message += "; there is no folder \(missing.map(\.displayPath).joined(separator: ", ")) — "
                + "name the shared modules folder with --lib (e.g. --lib Policies/lib)"
        }
        return .notFound(message)
    }

    static func isValidName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard !parts.isEmpty else { return false }
        return parts.allSatisfy { part in
            guard let first = part.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic)
            else { return false }
            return part.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
        }
    }
}
