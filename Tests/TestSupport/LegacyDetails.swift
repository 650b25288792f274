/// Decision details and texts as the ledger stored them before keys were
/// snake_case (ledger-v2 and earlier), for the tests that check such a
/// ledger still reads.
public enum LegacyDetails {
    /// Each key's snake_case name → its former camelCase name.
    public static let camelCaseKeys = [
        "as_of": "asOf", "authorized_products": "authorizedProducts", "content_hash": "contentHash", "days_open": "daysOpen",
        "days_to_expiry": "daysToExpiry", "first_raised": "firstRaised", "observed_value": "observedValue",
        "partner_id": "partnerID", "partner_name": "partnerName", "previous_standing": "previousStanding",
        "previous_tier": "previousTier", "qualifies_for": "qualifiesFor", "resolved_alerts": "resolvedAlerts",
        "snapshot_hash": "snapshotHash", "suspended_benefits": "suspendedBenefits", "suspended_products": "suspendedProducts",
        "threshold_value": "thresholdValue", "tier_due": "tierDue", "tier_event": "tierEvent", "observed_as": "observedAs",
    ]

    /// `json` as those versions wrote it: camelCase keys, no `authorized_all_products`.
    public static func camelCase(_ json: String) -> String {
        var text = json.replacingOccurrences(of: "\"authorized_all_products\":false,", with: "")
            .replacingOccurrences(of: "\"authorized_all_products\":true,", with: "")
        for (snake, camel) in camelCaseKeys { text = text.replacingOccurrences(of: "\"\(snake)\":", with: "\"\(camel)\":") }
        return text
    }
}
