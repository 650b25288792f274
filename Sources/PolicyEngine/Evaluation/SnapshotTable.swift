import LuaHost
import PartnerModel

/// The partner snapshot as the Lua table `p` that policy functions receive.
///
/// ```lua
/// p.id, p.name, p.type, p.program, p.region, p.country, p.tier, p.status
/// p.enrolled, p.as_of                      -- "YYYY-MM-DD"
/// p.territories, p.products                -- lists of names
/// p.revenue_12m, p.logins_30d, ...         -- every metric (nil when it has no value)
/// p.certifications["Security Expert"]      -- { granted = "...", expires = "..." or nil, valid = true, days_to_expiry = 120 }
/// p.credentials.HIPAA                      -- same shape
/// p.attributes.integration_depth           -- number or text
/// p.milestones.first_deal_won              -- "YYYY-MM-DD" or nil
/// p.deals_won_6m, ...                      -- the set's declared measures: numbers, dates as "YYYY-MM-DD",
///                                          -- texts (latest_value), nil when none
/// ```
/// The table is read-only to the policy in spirit (a fresh copy per partner).
public enum SnapshotTable {
    static func make(_ snapshot: PartnerSnapshot, measures: MeasurePlan, in lua: LuaState) throws -> LuaReference {
        // Kept in the registry for the partner's evaluation; released after it.
        try lua.reference(to: luaValue(snapshot, measures: measures))
    }

    /// The table `p` a policy function receives for `snapshot` (with `measures`, the set's declared measures).
    public static func luaValue(_ snapshot: PartnerSnapshot, measures: MeasurePlan = .empty) -> LuaValue {
        let partner = snapshot.partner
        var fields: [String: LuaValue] = [
            "id": .string(partner.id), "name": .string(partner.name), "type": .string(partner.type.rawValue),
            "program": .string(partner.program), "region": .string(partner.region), "country": .string(partner.country),
            "status": .string(partner.status.rawValue), "enrolled": .string(partner.enrolled.description),
            "as_of": .string(snapshot.asOf.description),
            "territories": .array(partner.territories.map(LuaValue.string)),
            "products": .array(partner.products.map(LuaValue.string)),
        ]
        if let tier = partner.tier { fields["tier"] = .string(tier) }
        for metric in Metric.allCases {
            if let value = snapshot[metric] {
                fields[metric.name] = value == value.rounded() && abs(value) < 1e15 && !metric.isRatio
                    ? .integer(Int64(value)) : .number(value)
            }
        }
        func credentials(_ list: [Credential]) -> LuaValue {
            var table: [String: LuaValue] = [:]
            for record in list {
                var entry: [String: LuaValue] = ["granted": .string(record.granted.description),
                                                 "valid": .boolean(record.isValid(on: snapshot.asOf))]
                if let expires = record.expires {
                    entry["expires"] = .string(expires.description)
                    entry["days_to_expiry"] = .integer(Int64(snapshot.asOf.days(until: expires)))
                }
                table[record.name] = .table(entry)
            }
            return .table(table)
        }
        fields["certifications"] = credentials(snapshot.certifications)
        fields["credentials"] = credentials(snapshot.credentials)
        var attributes: [String: LuaValue] = [:]
        for (name, value) in snapshot.attributes {
            switch value {
            case .number(let n): attributes[name] = .number(n)
            case .text(let t): attributes[name] = .string(t)
            }
        }
        fields["attributes"] = .table(attributes)
        var milestones: [String: LuaValue] = [:]
        let m = snapshot.milestones
        for (name, day) in [("first_login", m.firstLogin), ("first_training", m.firstTraining),
                            ("first_deal_registration", m.firstDealRegistration), ("first_deal_won", m.firstDealWon),
                            ("first_revenue", m.firstRevenue)] {
            if let day { milestones[name] = .string(day.description) }
        }
        fields["milestones"] = .table(milestones)
        for i in 0..<min(measures.shownCount, snapshot.measures.values.count) {
            let name = measures.declarations[i].name
            if let value = snapshot.measure(i) {
                switch measures.types[i] {
                case .date: fields[name] = .string(Day(daysSinceEpoch: Int32(value)).description)
                case .ratio: fields[name] = .number(value)
                default: fields[name] = value == value.rounded() && abs(value) < 1e15 ? .integer(Int64(value)) : .number(value)
                }
            } else if let text = snapshot.measures.text(i) {
                fields[name] = .string(text)
            }
        }
        return .table(fields)
    }
}
