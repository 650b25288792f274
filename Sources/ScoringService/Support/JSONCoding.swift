import Foundation

/// The service's JSON: sorted keys (stable bytes, so stored idempotent
/// responses and tests compare byte for byte), dates as `YYYY-MM-DD` through
/// `Day`'s own coding.
enum JSONCoding {
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    static var decoder: JSONDecoder { JSONDecoder() }
}
