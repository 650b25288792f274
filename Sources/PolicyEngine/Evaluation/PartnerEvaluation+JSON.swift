import PartnerModel

// A hand-written JSON encoding of evaluations: the decision log writes one
// per partner per run, and Foundation's JSONEncoder spent 40% of a 100k run
// on it. The output has exactly the shape `JSONEncoder` (sorted keys) gives
// the Codable types — `JSONDecoder` reads it back (tests pin the round trip)
// — and is deterministic: keys in sorted order, nil optionals left out,
// numbers in one fixed format.

/// Appends JSON text (or a CSV row's fields) to a growable byte buffer it owns. A class: builders
/// pass it along and append to the one buffer, with no copy-on-write checks
/// on the hot path (a decision is a few hundred appends).
public final class JSONBuffer {
    // Behind a pointer, so appending skips the exclusivity checks Swift makes
    // on every access to a class's stored `var`s.
    private struct Storage {
        var base: UnsafeMutableRawPointer
        var count: Int
        var capacity: Int
    }
    private let storage: UnsafeMutablePointer<Storage>

    public init(capacity: Int = 4096) {
        let capacity = max(capacity, 64)
        storage = .allocate(capacity: 1)
        storage.initialize(to: Storage(base: .allocate(byteCount: capacity, alignment: 1), count: 0, capacity: capacity))
    }

    deinit {
        storage.pointee.base.deallocate()
        storage.deallocate()
    }

    /// The number of bytes written so far.
    public var count: Int { storage.pointee.count }

    /// The text written so far.
    public var string: String {
        String(decoding: UnsafeRawBufferPointer(start: storage.pointee.base, count: storage.pointee.count), as: UTF8.self)
    }

    /// The bytes written so far, valid only inside `body`.
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: storage.pointee.base, count: storage.pointee.count))
    }

    /// Forget the text, keep the memory.
    public func removeAll() { storage.pointee.count = 0 }

    /// Room for `extra` more bytes; where they go.
    @inline(__always) private func reserve(_ extra: Int) -> UnsafeMutableRawPointer {
        if storage.pointee.count + extra > storage.pointee.capacity { grow(storage.pointee.count + extra) }
        return storage.pointee.base + storage.pointee.count
    }

    private func grow(_ needed: Int) {
        let newCapacity = max(needed, storage.pointee.capacity * 2)
        let newBase = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 1)
        newBase.copyMemory(from: storage.pointee.base, byteCount: storage.pointee.count)
        storage.pointee.base.deallocate()
        storage.pointee.base = newBase
        storage.pointee.capacity = newCapacity
    }

    /// Let `body` write up to `count` bytes in place; it returns how many it wrote.
    @inline(__always) func write(count: Int, _ body: (UnsafeMutableRawPointer) -> Int) {
        storage.pointee.count += body(reserve(count))
    }

    @inline(__always) public func byte(_ value: UInt8) {
        reserve(1).storeBytes(of: value, as: UInt8.self)
        storage.pointee.count += 1
    }

    /// Bytes as they are (JSON the caller vouches for).
    @inline(__always) public func append(_ source: UnsafeRawBufferPointer) {
        guard let from = source.baseAddress, source.count > 0 else { return }
        reserve(source.count).copyMemory(from: from, byteCount: source.count)
        storage.pointee.count += source.count
    }

    public func raw(_ text: StaticString) {
        append(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    public func string(_ text: String) {
        byte(UInt8(ascii: "\""))
        // Most text needs no escaping: copy it in one go, straight from the
        // string's own storage when it has one.
        let plain = text.utf8.withContiguousStorageIfAvailable { utf8 -> Bool in
            guard !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else { return false }
            append(UnsafeRawBufferPointer(utf8))
            return true
        } ?? false
        if !plain { escaped(text) }
        byte(UInt8(ascii: "\""))
    }

    private func escaped(_ text: String) {
        for value in text.utf8 {
            switch value {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0..<0x20:
                raw("\\u00")
                let hex: StaticString = "0123456789abcdef"
                byte(hex.utf8Start[Int(value >> 4)])
                byte(hex.utf8Start[Int(value & 0xF)])
            default: byte(value)
            }
        }
    }

    public func number(_ value: Double) {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 {
            integer(Int64(value))
        } else if value.isFinite {
            var text = "\(value)"
            text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
        } else {
            raw("null")
        }
    }

    public func integer<T: BinaryInteger>(_ value: T) {
        guard let value = Int64(exactly: value) else {
            var text = String(value)
            text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
            return
        }
        // Digits straight into the buffer, no intermediate String.
        var magnitude = value.magnitude
        var digits = 0
        repeat { digits += 1; magnitude /= 10 } while magnitude > 0
        if value < 0 { byte(UInt8(ascii: "-")) }
        let out = reserve(digits)
        magnitude = value.magnitude
        var index = digits
        repeat {
            index -= 1
            out.storeBytes(of: UInt8(ascii: "0") + UInt8(magnitude % 10), toByteOffset: index, as: UInt8.self)
            magnitude /= 10
        } while magnitude > 0
        storage.pointee.count += digits
    }

    /// A CSV field (RFC 4180): as is, or quoted when it holds a comma,
    /// quote or line break (the same as `TextFormat.csvField`).
    public func csvField(_ text: String) {
        let plain = text.utf8.withContiguousStorageIfAvailable { utf8 -> Bool in
            guard !utf8.contains(where: TextFormat.csvNeedsQuotes) else { return false }
            append(UnsafeRawBufferPointer(utf8))
            return true
        } ?? false
        if !plain { append(TextFormat.csvField(text)) }
    }

    /// A snapshot digest's 32 hex digits, from the stack: a CSV field that
    /// never needs quotes (in JSON, ``Members/digest(_:_:)`` quotes it).
    public func digest(_ value: SnapshotDigest) {
        value.withHex { append($0) }
    }

    private func append(_ text: String) {
        var text = text
        text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    public func bool(_ value: Bool) { value ? raw("true") : raw("false") }

    public func day(_ value: Day) { string(value.description) }

    /// An object whose members `body` writes with ``Members``.
    public func object(_ body: (inout Members) -> Void) {
        byte(UInt8(ascii: "{"))
        var members = Members(buffer: self)
        body(&members)
        byte(UInt8(ascii: "}"))
    }

    public func array<C: Collection>(_ items: C, _ element: (JSONBuffer, C.Element) -> Void) {
        byte(UInt8(ascii: "["))
        for (i, item) in items.enumerated() {
            if i > 0 { byte(UInt8(ascii: ",")) }
            element(self, item)
        }
        byte(UInt8(ascii: "]"))
    }

    /// Writes `"key":value` pairs; callers give keys in sorted order.
    public struct Members {
        let buffer: JSONBuffer
        private var first = true

        init(buffer: JSONBuffer) { self.buffer = buffer }

        public mutating func key(_ name: StaticString) {
            // `,"name":` (or without the comma) in one reservation.
            let length = name.utf8CodeUnitCount
            buffer.write(count: length + 4) { out in
                var i = 0
                if !first { out.storeBytes(of: UInt8(ascii: ","), toByteOffset: 0, as: UInt8.self); i = 1 }
                out.storeBytes(of: UInt8(ascii: "\""), toByteOffset: i, as: UInt8.self)
                (out + i + 1).copyMemory(from: name.utf8Start, byteCount: length)
                out.storeBytes(of: UInt8(ascii: "\""), toByteOffset: i + 1 + length, as: UInt8.self)
                out.storeBytes(of: UInt8(ascii: ":"), toByteOffset: i + 2 + length, as: UInt8.self)
                return i + 3 + length
            }
            first = false
        }

        mutating func key(_ name: String) {
            if !first { buffer.byte(UInt8(ascii: ",")) }
            first = false
            buffer.string(name)
            buffer.byte(UInt8(ascii: ":"))
        }

        public mutating func string(_ name: StaticString, _ value: String) { key(name); buffer.string(value) }
        public mutating func string(_ name: StaticString, _ value: String?) { if let value { string(name, value) } }
        mutating func digest(_ name: StaticString, _ value: SnapshotDigest) {
            key(name)
            buffer.byte(UInt8(ascii: "\""))
            buffer.digest(value)
            buffer.byte(UInt8(ascii: "\""))
        }
        /// An observation's words: a number's written straight from its formatting, with no `String`.
        mutating func observation(_ name: StaticString, _ value: Observation) {
            key(name)
            if case .words(let words) = value {
                buffer.string(words)
            } else {
                // Digits, separators, `%`, `none`, `∞`: nothing to escape.
                buffer.byte(UInt8(ascii: "\""))
                value.withWords { buffer.append(UnsafeRawBufferPointer($0)) }
                buffer.byte(UInt8(ascii: "\""))
            }
        }
        public mutating func number(_ name: StaticString, _ value: Double) { key(name); buffer.number(value) }
        mutating func number(_ name: StaticString, _ value: Double?) { if let value { number(name, value) } }
        public mutating func integer(_ name: StaticString, _ value: Int) { key(name); buffer.integer(value) }
        public mutating func integer(_ name: StaticString, _ value: Int?) { if let value { integer(name, value) } }
        /// `value`, or `null` when it is nil and `explicit` (a compact
        /// detail's way to say "nil, not the texts' value").
        public mutating func nullable(_ name: StaticString, _ value: String?, explicit: Bool) {
            if let value { string(name, value) } else if explicit { key(name); buffer.raw("null") }
        }
        mutating func nullable(_ name: StaticString, _ value: Double?, explicit: Bool) {
            if let value { number(name, value) } else if explicit { key(name); buffer.raw("null") }
        }
        public mutating func bool(_ name: StaticString, _ value: Bool) { key(name); buffer.bool(value) }
        public mutating func day(_ name: StaticString, _ value: Day) { key(name); buffer.day(value) }
        public mutating func day(_ name: StaticString, _ value: Day?) { if let value { day(name, value) } }
        /// `omittingEmpty`: nothing at all for an empty list (a compact detail's way to say "none").
        public mutating func strings(_ name: StaticString, _ values: [String], omittingEmpty: Bool = false) {
            if omittingEmpty && values.isEmpty { return }
            key(name)
            buffer.array(values) { $0.string($1) }
        }
        public mutating func object(_ name: StaticString, _ body: (inout Members) -> Void) {
            key(name)
            buffer.object(body)
        }
        /// `value`, JSON written elsewhere, as the member's value.
        public mutating func json(_ name: StaticString, _ value: String) {
            key(name)
            var value = value
            value.withUTF8 { buffer.append(UnsafeRawBufferPointer($0)) }
        }
        public mutating func array<C: Collection>(_ name: StaticString, _ items: C, omittingEmpty: Bool = false,
                                                  _ element: (JSONBuffer, C.Element) -> Void) {
            if omittingEmpty && items.isEmpty { return }
            key(name)
            buffer.array(items, element)
        }
    }
}

extension PartnerEvaluation {
    /// The evaluation as JSON (what `JSONEncoder` with sorted keys would write).
    public func json() -> String {
        let buffer = JSONBuffer()
        write(to: buffer)
        return buffer.string
    }

    /// Append the evaluation's JSON to `buffer`: in full, or, given the
    /// `texts` of its policy, compact — the decision log's form, referring to
    /// them instead of repeating them (see ``DecisionTexts``) and leaving out
    /// what the decision's row holds (``DecisionColumns``).
    /// `decode(detail:texts:columns:)` reads both.
    public func write(to buffer: JSONBuffer, texts: DecisionTexts? = nil) {
        // Compact: lists that are empty are left out, and so are benefits that are the tier's
        // and the row's columns. (Milestone deadlines: see below.)
        // Keys are snake_case, in sorted order (`_` sorts before letters).
        let compact = texts != nil
        buffer.object { m in
            m.array("alerts", alerts, omittingEmpty: compact) { b, a in
                b.object { m in
                    m.integer("days_open", a.daysOpen)
                    m.day("first_raised", a.firstRaised)
                    let elided = texts.map { Self.stepTexts($0, step: a.step, action: a.intervention, owner: a.owner) } ?? false
                    if !elided { m.nullable("intervention", a.intervention, explicit: texts != nil) }
                    m.string("key", a.key.description)
                    if !elided { m.nullable("owner", a.owner, explicit: texts != nil) }
                    // Only while a pause holds the alert: details without one keep their bytes.
                    if let until = a.pausedUntil { m.day("paused_until", until) }
                    m.integer("step", a.step)
                }
            }
            if !compact { m.day("as_of", asOf) }
            // Compact: left out when false.
            if !compact || authorizedAllProducts { m.bool("authorized_all_products", authorizedAllProducts) }
            m.strings("authorized_products", authorizedProducts)
            if texts?.benefits(ofTier: tier) != benefits {
                m.object("benefits") { m in
                    for name in benefits.keys.sorted() {
                        m.key(name)
                        benefits[name]!.write(to: m.buffer)
                    }
                }
            }
            m.array("criteria", criteria) { b, c in
                b.object { m in
                    let ref = texts.flatMap { $0.criterion(for: c) }
                    let text = ref.map { texts!.criteria[$0] }
                    if text == nil {
                        m.string("file", c.file)
                        m.string("label", c.label)
                        m.integer("line", c.line)
                    }
                    // Compact: left out when the words only repeat the observed value the criterion's way.
                    if text?.writes(c.observation, value: c.observedValue) != true { m.observation("observed", c.observation) }
                    m.number("observed_value", c.observedValue)
                    m.bool("passed", c.passed)
                    m.string("phase", c.phase.rawValue)
                    m.integer("ref", ref)
                    if c.required != text?.required { m.string("required", c.required) }
                    if c.thresholdValue != text?.thresholdValue {
                        m.nullable("threshold_value", c.thresholdValue, explicit: text != nil)
                    }
                    m.string("tier", c.tier)
                }
            }
            m.array("gates", gates, omittingEmpty: compact) { b, g in
                b.object { m in
                    m.integer("days_to_expiry", g.daysToExpiry)
                    m.string("event", g.event.rawValue)
                    m.day("expires", g.expires)
                    m.string("gate", g.gate)
                    m.string("previous", g.previous?.rawValue)
                    m.string("requirement", g.requirement)
                    m.string("status", g.status.rawValue)
                    m.strings("suspended_benefits", g.suspendedBenefits)
                    m.strings("suspended_products", g.suspendedProducts)
                }
            }
            m.object("health") { m in
                if !compact { m.string("band", health.band) }
                m.array("components", health.components.indices) { b, i in
                    let c = health.components[i]
                    b.object { m in
                        let text = texts.flatMap { i < $0.components.count ? $0.components[i] : nil }
                        m.number("contribution", c.contribution)
                        if c.name != text?.name { m.string("name", c.name) }
                        m.observation("observed", c.observation)
                        m.integer("ref", text == nil ? nil : i)
                        m.number("score", c.score)
                        if c.target != text?.target { m.string("target", c.target) }
                        if c.weight != text?.weight { m.number("weight", c.weight) }
                    }
                }
                if !compact { m.number("score", health.score) }
            }
            if let intervention {
                m.object("intervention") { m in
                    let elided = texts.map { Self.stepTexts($0, step: intervention.step, action: intervention.action, owner: intervention.owner) } ?? false
                    if !elided { m.string("action", intervention.action) }
                    m.string("alert", intervention.alert.description)
                    if !elided { m.nullable("owner", intervention.owner, explicit: texts != nil) }
                    m.integer("step", intervention.step)
                }
            }
            // Compact: after the first, a deadline its rule gives from the enrollment day is left out.
            let enrolled = milestones.first.flatMap { texts?.enrollment(first: $0.milestone, deadline: $0.deadline) }
            m.array("milestones", milestones.indices) { b, i in
                let ms = milestones[i]
                b.object { m in
                    m.integer("days", ms.days)
                    if i == 0 || enrolled.flatMap({ texts?.deadline(of: ms.milestone, enrolled: $0) }) != ms.deadline {
                        m.day("deadline", ms.deadline)
                    }
                    m.string("milestone", ms.milestone.rawValue)
                    m.day("reached", ms.reached)
                    m.string("status", ms.status.rawValue)
                }
            }
            m.string("partner_id", partnerID)
            m.string("partner_name", partnerName)
            if policy != texts?.policy {
                m.object("policy") { m in
                    m.string("content_hash", policy.contentHash)
                    m.string("file", policy.file)
                    m.string("name", policy.name)
                    m.string("version", policy.version)
                }
            }
            if !compact {
                m.string("previous_standing", previousStanding.rawValue)
                m.string("previous_tier", previousTier)
            }
            m.string("program", program)
            m.string("qualifies_for", qualifiesFor)
            m.strings("resolved_alerts", resolvedAlerts.map(\.description), omittingEmpty: compact)
            if let review {
                m.object("review") { m in
                    m.day("deadline", review.deadline)
                    m.day("opened", review.opened)
                    m.string("tier", review.tier)
                }
            }
            if !compact {
                m.digest("snapshot_hash", snapshotHash)
                m.string("standing", standing.rawValue)
            }
            m.strings("suspended_benefits", suspendedBenefits, omittingEmpty: compact)
            m.strings("suspended_products", suspendedProducts, omittingEmpty: compact)
            if !compact { m.string("tier", tier) }
            m.bool("tier_due", tierDue)
            if !compact { m.string("tier_event", tierEvent.rawValue) }
        }
    }
}

extension PartnerEvaluation {
    /// Whether the action and owner of an alert's or intervention's `step`
    /// are the texts' for that step (nothing at step 0), so a compact detail
    /// can leave them out.
    static func stepTexts(_ texts: DecisionTexts, step: Int, action: String?, owner: String?) -> Bool {
        guard step >= 1 else { return action == nil && owner == nil }
        guard step <= texts.interventions.count else { return false }
        let text = texts.interventions[step - 1]
        return action == text.action && owner == text.owner
    }
}

extension BenefitValue {
    func write(to buffer: JSONBuffer) {
        switch self {
        case .number(let n): buffer.number(n)
        case .text(let t): buffer.string(t)
        case .flag(let b): buffer.bool(b)
        }
    }
}
