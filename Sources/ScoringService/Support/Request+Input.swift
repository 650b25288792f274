import Foundation
import Hummingbird
import NIOCore
import PartnerModel
import PartnerStore

extension ServiceContext {
    /// The path's `{id}`: a stored row's id, a whole number from 1 (the OpenAPI document's pattern).
    func rowID(_ what: String) throws -> Int64 {
        let text = try parameters.require("id")
        guard let id = Int64(text), id > 0 else { throw APIError.invalid("id", "'\(text)' is not \(what) (a whole number, 1 or more)") }
        return id
    }
}

extension Request {
    /// The whole body, at most `limit` bytes (413 beyond).
    func bodyData(limit: Int) async throws -> Data {
        do {
            let buffer = try await body.collect(upTo: limit)
            return Data(buffer: buffer)
        } catch is NIOTooManyBytesError {
            throw APIError.tooLarge(limit: limit)
        }
    }

    /// The body decoded as `T`; a 400 names the field that is missing or wrong.
    func decodeJSON<T: Decodable>(_ type: T.Type, limit: Int) async throws -> (value: T, raw: Data) {
        let data = try await bodyData(limit: limit)
        guard !data.isEmpty else { throw APIError.invalid("body", "the request needs a JSON body") }
        return (try decodeJSON(type, from: data), data)
    }

    /// `data` as a `T`: read strictly first (as ingest reads events), then decoded; a 400 names the field.
    func decodeJSON<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        // Read strictly first, as ingest and imports read JSON (no trailing commas, no key twice, ...).
        do { _ = try JSONValue(parsing: data) } catch { throw APIError.invalid("body", "the body is not valid JSON: \(error)") }
        do {
            return try JSONCoding.decoder.decode(T.self, from: data)
        } catch let error as DecodingError {
            throw APIError.decoding(error)
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.invalid("body", "the body is not valid JSON")
        }
    }

    var query: QueryInput { QueryInput(parameters: uri.queryParameters) }
}

extension APIError {
    /// A 400 naming the JSON field a decoding error is about.
    static func decoding(_ error: DecodingError) -> APIError {
        func path(_ codingPath: [any CodingKey], _ last: String? = nil) -> String {
            var text = ""
            for key in codingPath {
                if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
            }
            if let last { text += (text.isEmpty ? "" : ".") + last }
            return text.isEmpty ? "body" : text
        }
        switch error {
        case .keyNotFound(let key, let context):
            return .invalid(path(context.codingPath, key.stringValue), "missing required field '\(key.stringValue)'")
        case .typeMismatch(let type, let context):
            return .invalid(path(context.codingPath), "expected \(Self.jsonTypeName(type)) — \(context.debugDescription)")
        case .valueNotFound(let type, let context):
            return .invalid(path(context.codingPath), "expected \(Self.jsonTypeName(type)), found null")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return .invalid("body", "the body is not valid JSON") }
            return .invalid(path(context.codingPath), context.debugDescription)
        @unknown default:
            return .invalid("body", "the body could not be read")
        }
    }

    private static func jsonTypeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type, is Double.Type: "a number"
        case is [Any].Type: "an array"
        default: "a value of type \(type)"
        }
    }
}

/// Query string parameters, read and checked: a bad value is a 400 that
/// names the parameter.
struct QueryInput {
    let parameters: Parameters

    /// The text of `name`; nil when absent or empty (an empty filter filters nothing).
    func string(_ name: String) -> String? {
        guard let value = parameters.get(name), !value.isEmpty else { return nil }
        return value
    }

    /// The text of a parameter that has a format (a number, a date, a choice):
    /// nil when absent; given but empty is an error.
    func formatted(_ name: String, _ expected: String) throws -> String? {
        guard let value = parameters.get(name) else { return nil }
        guard !value.isEmpty else { throw APIError.invalid(name, "'\(name)' is empty; give \(expected) or leave it out") }
        return value
    }

    func limit(default defaultValue: Int = 100, maximum: Int = 500) throws -> Int {
        guard let text = try formatted("limit", "a whole number from 1 to \(maximum)") else { return defaultValue }
        guard let value = Int(text), (1...maximum).contains(value) else {
            throw APIError.invalid("limit", "'\(text)' is not a whole number from 1 to \(maximum)")
        }
        return value
    }

    func day(_ name: String) throws -> Day? {
        guard let text = try formatted(name, "a date YYYY-MM-DD") else { return nil }
        return try Day(parsing: text, field: name)
    }

    func oneOf(_ name: String, _ allowed: [String]) throws -> String? {
        guard let text = try formatted(name, "one of " + allowed.joined(separator: ", ")) else { return nil }
        guard allowed.contains(text) else {
            throw APIError.invalid(name, "'\(text)' is not one of " + allowed.joined(separator: ", "))
        }
        return text
    }

    /// A cursor made of a row id (descending lists).
    func idCursor() throws -> Int64? {
        guard let text = try formatted("cursor", "a next_cursor from the previous page") else { return nil }
        guard let id = Int64(text), id > 0 else {
            throw APIError.invalid("cursor", "'\(text)' is not a cursor this list returned (next_cursor)")
        }
        return id
    }
}

extension Day {
    /// `text` as a day, or a 400 naming the request's `field` with the date's words and hint.
    init(parsing text: String, field: String) throws {
        do { try self.init(parsing: text) } catch { throw APIError.invalid(field, error) }
    }
}
