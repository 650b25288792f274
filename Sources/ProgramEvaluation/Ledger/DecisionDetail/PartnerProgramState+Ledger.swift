import Foundation
import PartnerModel
import PolicyEngine

/// A compact text form of the remembered state, for the ledger: reading
/// 100k states back with JSONDecoder took seconds; this parses in a pass.
///
/// `v1␞tier␞tierSince␞reviewTier␞reviewOpened␞reviewDeadline␞lastTierEvaluation␞firstQualified␞firstAdvanced␞gates␞alerts`
/// with days as integers (empty: none), gates as `name␝status` and alerts as
/// `kind:subject␝day`, items separated by ␟ (ASCII record, unit and group
/// separators, which names never contain).
extension PartnerProgramState {
    static let field: Character = "\u{1E}", item: Character = "\u{1F}", pair: Character = "\u{1D}"

    public var compact: String {
        // Appended in place: this runs for every partner of every run.
        var text = "v1"
        text.reserveCapacity(96)
        func field(_ value: String?) {
            text.append(Self.field)
            if let value { text += value }
        }
        func day(_ value: Day?) {
            text.append(Self.field)
            if let value { text += String(value.daysSinceEpoch) }
        }
        field(tier); day(tierSince); field(review?.tier); day(review?.opened); day(review?.deadline)
        day(lastTierEvaluation); day(firstQualified); day(firstAdvanced)
        text.append(Self.field)
        for (i, name) in (gates.count > 1 ? gates.keys.sorted() : Array(gates.keys)).enumerated() {
            if i > 0 { text.append(Self.item) }
            text += name
            text.append(Self.pair)
            text += gates[name]!.rawValue
        }
        text.append(Self.field)
        for (i, alert) in openAlerts.enumerated() {
            if i > 0 { text.append(Self.item) }
            text += alert.key.kind.rawValue
            text.append(":")
            text += alert.key.subject
            text.append(Self.pair)
            text += String(alert.firstRaised.daysSinceEpoch)
        }
        return text
    }

    /// Parse ``compact``; nil when the text is not in that form.
    public init?(compact text: String) {
        let fields = text.split(separator: Self.field, omittingEmptySubsequences: false)
        guard fields.count == 11, fields[0] == "v1" else { return nil }
        func day(_ s: Substring) -> Day? { Int32(s).map(Day.init(daysSinceEpoch:)) }
        func items(_ s: Substring) -> [(Substring, Substring)]? {
            guard !s.isEmpty else { return [] }
            var out: [(Substring, Substring)] = []
            for entry in s.split(separator: Self.item) {
                let parts = entry.split(separator: Self.pair, maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2 else { return nil }
                out.append((parts[0], parts[1]))
            }
            return out
        }
        self.init(tier: fields[1].isEmpty ? nil : String(fields[1]), tierSince: day(fields[2]),
                  lastTierEvaluation: day(fields[6]), firstQualified: day(fields[7]), firstAdvanced: day(fields[8]))
        if !fields[3].isEmpty, let opened = day(fields[4]), let deadline = day(fields[5]) {
            review = TierReview(tier: String(fields[3]), opened: opened, deadline: deadline)
        }
        guard let gateItems = items(fields[9]), let alertItems = items(fields[10]) else { return nil }
        for (name, status) in gateItems {
            guard let value = GateStatus(rawValue: String(status)) else { return nil }
            gates[String(name)] = value
        }
        for (key, first) in alertItems {
            guard let colon = key.firstIndex(of: ":"), let kind = AlertKind(rawValue: String(key[..<colon])),
                  let day = day(first) else { return nil }
            openAlerts[AlertKey(kind: kind, subject: String(key[key.index(after: colon)...]))] = day
        }
    }
}

extension PartnerProgramState {
    /// Read the state as the ledger stores it: the compact form, or JSON
    /// written by earlier versions. Nil when it is neither.
    public init?(ledgerText text: String) {
        if let state = PartnerProgramState(compact: text) {
            self = state
        } else if text.hasPrefix("{"), let state = try? JSONDecoder().decode(PartnerProgramState.self, from: Data(text.utf8)) {
            self = state
        } else {
            return nil
        }
    }
}
