import PartnerModel
import PolicyEngine

/// What `export incentives` writes from the incentive ledger's lines: a
/// statement (every line of a partner for a period, with its total) or a
/// payout file (per partner, period and currency: the total and the total of
/// each line type). Amounts are exact decimals with two places; the output
/// is ordered by partner id, period start, policy set and line id, so the
/// same ledger gives the same bytes.
public enum IncentiveStatements {
    public enum Format: String, Sendable, CaseIterable {
        case csv, json
    }

    /// The lines grouped by statement: partner, period, policy set and currency.
    struct Statement {
        var partnerID: String
        var partnerName: String
        var program: String
        var policySet: String
        var period: String
        var periodStart: Day
        var periodEnd: Day
        var currency: String
        var lines: [IncentiveLedgerLine]

        var total: ExactDecimal { lines.reduce(ExactDecimal.zero.cents) { $0 + $1.amount } }

        func total(of line: IncentiveLine) -> ExactDecimal {
            lines.filter { $0.line == line }.reduce(ExactDecimal.zero.cents) { $0 + $1.amount }
        }
    }

    static func statements(_ lines: [IncentiveLedgerLine]) -> [Statement] {
        var groups: [String: Int] = [:]
        var result: [Statement] = []
        let ordered = lines.sorted {
            ($0.partnerID, $0.periodStart, $0.policySet, $0.currency, $0.id) < ($1.partnerID, $1.periodStart, $1.policySet, $1.currency, $1.id)
        }
        for line in ordered {
            let key = [line.partnerID, line.period, line.policySet, line.currency].joined(separator: "\u{0}")
            if let i = groups[key] {
                result[i].lines.append(line)
            } else {
                groups[key] = result.count
                result.append(Statement(partnerID: line.partnerID, partnerName: line.partnerName, program: line.program,
                                        policySet: line.policySet, period: line.period, periodStart: line.periodStart,
                                        periodEnd: line.periodEnd, currency: line.currency, lines: [line]))
            }
        }
        return result
    }

    static let statementColumns = ["partner_id", "partner_name", "program", "policy_set", "period", "period_start", "period_end",
                                   "rule", "line", "posting", "as_of", "basis", "basis_total", "rate", "amount", "currency", "detail"]
    static let payoutColumns = ["partner_id", "partner_name", "program", "policy_set", "period", "period_start", "period_end",
                                "currency"] + IncentiveLine.allCases.map(\.rawValue) + ["total"]

    /// Every line, one row each (CSV), or one object per statement with its lines and total (JSON).
    public static func statement(_ lines: [IncentiveLedgerLine], format: Format) -> String {
        let statements = statements(lines)
        switch format {
        case .csv:
            var out = statementColumns.joined(separator: ",") + "\n"
            for s in statements {
                for l in s.lines {
                    out += [s.partnerID, s.partnerName, s.program, s.policySet, s.period, s.periodStart.description, s.periodEnd.description,
                            l.rule, l.line.rawValue, l.posting.rawValue, l.asOf.description, l.basis.description,
                            l.basisTotal.description, l.rate, l.amount.text(places: 2), l.currency, l.detail]
                        .map(TextFormat.csvField).joined(separator: ",") + "\n"
                }
            }
            return out
        case .json:
            let items = statements.map { s in
                "{" + header(s) + ",\"total\":" + TextFormat.jsonString(s.total.text(places: 2)) + ",\"lines\":[" + s.lines.map { l in
                    "{\"rule\":\(TextFormat.jsonString(l.rule)),\"line\":\"\(l.line.rawValue)\",\"posting\":\"\(l.posting.rawValue)\","
                        + "\"as_of\":\"\(l.asOf)\",\"basis\":\"\(l.basis)\",\"basis_total\":\"\(l.basisTotal)\","
                        + "\"rate\":\(TextFormat.jsonString(l.rate)),\"amount\":\"\(l.amount.text(places: 2))\",\"detail\":\(l.detail)}"
                }.joined(separator: ",") + "]}"
            }
            return "[" + items.map { "\n" + $0 }.joined(separator: ",") + (items.isEmpty ? "]\n" : "\n]\n")
        }
    }

    /// Per partner, period, policy set and currency: the total of each line type and the total.
    public static func payout(_ lines: [IncentiveLedgerLine], format: Format) -> String {
        let statements = statements(lines)
        switch format {
        case .csv:
            var out = payoutColumns.joined(separator: ",") + "\n"
            for s in statements {
                out += ([s.partnerID, s.partnerName, s.program, s.policySet, s.period, s.periodStart.description, s.periodEnd.description,
                         s.currency] + IncentiveLine.allCases.map { s.total(of: $0).text(places: 2) } + [s.total.text(places: 2)])
                    .map(TextFormat.csvField).joined(separator: ",") + "\n"
            }
            return out
        case .json:
            let items = statements.map { s in
                "{" + header(s) + "," + IncentiveLine.allCases.map { "\"\($0.rawValue)\":\"\(s.total(of: $0).text(places: 2))\"" }
                    .joined(separator: ",") + ",\"total\":\"\(s.total.text(places: 2))\"}"
            }
            return "[" + items.map { "\n" + $0 }.joined(separator: ",") + (items.isEmpty ? "]\n" : "\n]\n")
        }
    }

    private static func header(_ s: Statement) -> String {
        "\"partner_id\":\(TextFormat.jsonString(s.partnerID)),\"partner_name\":\(TextFormat.jsonString(s.partnerName)),"
            + "\"program\":\(TextFormat.jsonString(s.program)),\"policy_set\":\(TextFormat.jsonString(s.policySet)),"
            + "\"period\":\(TextFormat.jsonString(s.period)),\"period_start\":\"\(s.periodStart)\",\"period_end\":\"\(s.periodEnd)\","
            + "\"currency\":\(TextFormat.jsonString(s.currency))"
    }
}
