import Foundation

/// The policy sets shipped in the repository's `Policies/` folder.
public enum BundledPolicies {
    public static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Policies")

    /// Every bundled set's folder name (Policies/*, but the shared lib), sorted.
    public static var setNames: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0 != "lib" && !$0.hasPrefix(".") }
            .filter { var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path, isDirectory: &isDirectory) && isDirectory.boolValue }
            .sorted()
    }
}
