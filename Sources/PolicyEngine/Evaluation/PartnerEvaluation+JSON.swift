import PartnerModel

// A hand-written JSON encoding of evaluations: the decision log writes one
// per partner per run, and Foundation's JSONEncoder spent 40% of a 100k run
// on it. The output has exactly the shape `JSONEncoder` (sorted keys) gives
// the Codable types — `JSONDecoder` reads it back (tests pin the round trip)
// — and is deterministic: keys in sorted order, nil optionals left out,
// numbers in one fixed format.

/// Appends JSON text to a byte buffer.
public struct JSONBuffer {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 4096) { bytes.reserveCapacity(capacity) }

    public var string: String { String(decoding: bytes, as: UTF8.self) }

    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        let plain = text.withUTF8 { utf8 in
            // Most text needs no escaping: copy it in one go.
            guard !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else { return false }
            bytes.append(contentsOf: utf8)
            return true
        }
        if !plain { escaped(text) }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escaped(_ text: String) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0..<0x20:
                raw("\\u00")
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
    }

    mutating func number(_ value: Double) {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 {
            integer(Int64(value))
        } else if value.isFinite {
            bytes.append(contentsOf: "\(value)".utf8)
        } else {
            raw("null")
        }
    }

    mutating func integer<T: BinaryInteger>(_ value: T) {
        guard let value = Int64(exactly: value) else {
            bytes.append(contentsOf: String(value).utf8)
            return
        }
        // Digits straight into the buffer, no intermediate String.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var magnitude = value.magnitude
            var index = digits.count
            repeat {
                index -= 1
                digits[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 { bytes.append(UInt8(ascii: "-")) }
            bytes.append(contentsOf: UnsafeMutableBufferPointer(rebasing: digits[index...]))
        }
    }

    mutating func bool(_ value: Bool) { value ? raw("true") : raw("false") }

    mutating func day(_ value: Day) { string(value.description) }

    /// An object whose members `body` writes with ``Members``.
    mutating func object(_ body: (inout Members) -> Void) {
        bytes.append(UInt8(ascii: "{"))
        // Hand the bytes over (not share them): appending through a second
        // reference would copy the whole buffer on every write.
        var members = Members(buffer: JSONBuffer(taking: &bytes))
        body(&members)
        swap(&bytes, &members.buffer.bytes)
        bytes.append(UInt8(ascii: "}"))
    }

    private init(taking other: inout [UInt8]) {
        bytes = []
        swap(&bytes, &other)
    }

    mutating func array<T>(_ items: [T], _ element: (inout JSONBuffer, T) -> Void) {
        bytes.append(UInt8(ascii: "["))
        for (i, item) in items.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            element(&self, item)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// Writes `"key":value` pairs; callers give keys in sorted order.
    struct Members {
        var buffer: JSONBuffer
        private var first = true

        init(buffer: JSONBuffer) { self.buffer = buffer }

        mutating func key(_ name: StaticString) {
            if !first { buffer.bytes.append(UInt8(ascii: ",")) }
            first = false
            buffer.bytes.append(UInt8(ascii: "\""))
            buffer.raw(name)
            buffer.raw("\":")
        }

        mutating func key(_ name: String) {
            if !first { buffer.bytes.append(UInt8(ascii: ",")) }
            first = false
            buffer.string(name)
            buffer.bytes.append(UInt8(ascii: ":"))
        }

        mutating func string(_ name: StaticString, _ value: String) { key(name); buffer.string(value) }
        mutating func string(_ name: StaticString, _ value: String?) { if let value { string(name, value) } }
        mutating func number(_ name: StaticString, _ value: Double) { key(name); buffer.number(value) }
        mutating func number(_ name: StaticString, _ value: Double?) { if let value { number(name, value) } }
        mutating func integer(_ name: StaticString, _ value: Int) { key(name); buffer.integer(value) }
        mutating func integer(_ name: StaticString, _ value: Int?) { if let value { integer(name, value) } }
        mutating func bool(_ name: StaticString, _ value: Bool) { key(name); buffer.bool(value) }
        mutating func day(_ name: StaticString, _ value: Day) { key(name); buffer.day(value) }
        mutating func day(_ name: StaticString, _ value: Day?) { if let value { day(name, value) } }
        mutating func strings(_ name: StaticString, _ values: [String]) {
            key(name)
            buffer.array(values) { $0.string($1) }
        }
        mutating func object(_ name: StaticString, _ body: (inout Members) -> Void) {
            key(name)
            buffer.object(body)
        }
        mutating func array<T>(_ name: StaticString, _ items: [T], _ element: (inout JSONBuffer, T) -> Void) {
            key(name)
            buffer.array(items, element)
        }
    }
}

extension PartnerEvaluation {
    /// The evaluation as JSON (what `JSONEncoder` with sorted keys would write).
    public func json() -> String {
        var buffer = JSONBuffer()
        write(to: &buffer)
        return buffer.string
    }

    public func write(to buffer: inout JSONBuffer) {
        buffer.object { m in
            m.array("alerts", alerts) { b, a in
                b.object { m in
                    m.integer("daysOpen", a.daysOpen)
                    m.day("firstRaised", a.firstRaised)
                    m.string("intervention", a.intervention)
                    m.string("key", a.key.description)
                    m.string("owner", a.owner)
                    m.integer("step", a.step)
                }
            }
            m.day("asOf", asOf)
            m.strings("authorizedProducts", authorizedProducts)
            m.object("benefits") { m in
                for name in benefits.keys.sorted() {
                    m.key(name)
                    benefits[name]!.write(to: &m.buffer)
                }
            }
            m.array("criteria", criteria) { b, c in
                b.object { m in
                    m.string("file", c.file)
                    m.string("label", c.label)
                    m.integer("line", c.line)
                    m.string("observed", c.observed)
                    m.number("observedValue", c.observedValue)
                    m.bool("passed", c.passed)
                    m.string("phase", c.phase.rawValue)
                    m.string("required", c.required)
                    m.number("thresholdValue", c.thresholdValue)
                    m.string("tier", c.tier)
                }
            }
            m.array("gates", gates) { b, g in
                b.object { m in
                    m.integer("daysToExpiry", g.daysToExpiry)
                    m.string("event", g.event.rawValue)
                    m.day("expires", g.expires)
                    m.string("gate", g.gate)
                    m.string("previous", g.previous?.rawValue)
                    m.string("requirement", g.requirement)
                    m.string("status", g.status.rawValue)
                    m.strings("suspendedBenefits", g.suspendedBenefits)
                    m.strings("suspendedProducts", g.suspendedProducts)
                }
            }
            m.object("health") { m in
                m.string("band", health.band)
                m.array("components", health.components) { b, c in
                    b.object { m in
                        m.number("contribution", c.contribution)
                        m.string("name", c.name)
                        m.string("observed", c.observed)
                        m.number("score", c.score)
                        m.string("target", c.target)
                        m.number("weight", c.weight)
                    }
                }
                m.number("score", health.score)
            }
            if let intervention {
                m.object("intervention") { m in
                    m.string("action", intervention.action)
                    m.string("alert", intervention.alert.description)
                    m.string("owner", intervention.owner)
                    m.integer("step", intervention.step)
                }
            }
            m.array("milestones", milestones) { b, ms in
                b.object { m in
                    m.integer("days", ms.days)
                    m.day("deadline", ms.deadline)
                    m.string("milestone", ms.milestone.rawValue)
                    m.day("reached", ms.reached)
                    m.string("status", ms.status.rawValue)
                }
            }
            m.string("partnerID", partnerID)
            m.string("partnerName", partnerName)
            m.object("policy") { m in
                m.string("contentHash", policy.contentHash)
                m.string("file", policy.file)
                m.string("name", policy.name)
                m.string("version", policy.version)
            }
            m.string("previousStanding", previousStanding.rawValue)
            m.string("previousTier", previousTier)
            m.string("program", program)
            m.string("qualifiesFor", qualifiesFor)
            m.strings("resolvedAlerts", resolvedAlerts.map(\.description))
            if let review {
                m.object("review") { m in
                    m.day("deadline", review.deadline)
                    m.day("opened", review.opened)
                    m.string("tier", review.tier)
                }
            }
            m.string("snapshotHash", snapshotHash)
            m.string("standing", standing.rawValue)
            m.strings("suspendedBenefits", suspendedBenefits)
            m.strings("suspendedProducts", suspendedProducts)
            m.string("tier", tier)
            m.bool("tierDue", tierDue)
            m.string("tierEvent", tierEvent.rawValue)
        }
    }
}

extension BenefitValue {
    func write(to buffer: inout JSONBuffer) {
        switch self {
        case .number(let n): buffer.number(n)
        case .text(let t): buffer.string(t)
        case .flag(let b): buffer.bool(b)
        }
    }
}
