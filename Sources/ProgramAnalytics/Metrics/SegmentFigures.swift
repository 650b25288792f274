import PartnerModel

// The store-side figures of one segment, from its partners' facts.
extension ProgramAnalytics {
    /// Within 90 days: of partners enrolled on or before day − 90, those with
    /// a first deal won on or before enrolment + 90 days. Ever: of all
    /// enrolled partners, those with a deal won on or before the day.
    static func activation(_ partners: [PartnerFacts], _ day: Day) -> Activation {
        let closed = partners.filter { $0.enrolled <= day.daysSinceEpoch - 90 }
        return Activation(
            within90Days: Share(closed.count { p in p.firstDealWon.map { $0 <= p.enrolled + 90 } ?? false }, of: closed.count),
            ever: Share(partners.count { $0.firstDealWon != nil }, of: partners.count))
    }

    /// Days from enrolment to the first revenue event (0 when revenue was
    /// booked before enrolment), over partners with revenue.
    static func timeToFirstRevenue(_ partners: [PartnerFacts]) -> TimeToFirstRevenue {
        let days = partners.compactMap { p in p.firstRevenue.map { max(0, Int($0 - p.enrolled)) } }.sorted()
        let histogram = TimeToFirstRevenue.bucketBounds.map { lower, upper in
            TimeToFirstRevenue.Bucket(label: upper.map { "\(lower)–\($0)" } ?? "> \(lower - 1)", lower: lower, upper: upper,
                                      partners: days.count { $0 >= lower && $0 <= (upper ?? .max) })
        }
        return TimeToFirstRevenue(partners: days.count, withoutRevenue: partners.count - days.count,
                                  median: Statistics.median(days.map(Double.init)),
                                  p25: Statistics.percentile(days, 25), p75: Statistics.percentile(days, 75),
                                  p90: Statistics.percentile(days, 90), histogram: histogram)
    }

    /// The cohort enrolled in (day − 24 months, day − 12 months]; retained:
    /// not terminated and any event in the last 90 days, (day − 90, day].
    static func retention(_ partners: [PartnerFacts], _ day: Day) -> FirstYearRetention {
        let from = day.adding(months: -24), through = day.adding(months: -12)
        let cohort = partners.filter { $0.enrolled > from.daysSinceEpoch && $0.enrolled <= through.daysSinceEpoch }
        let retained = cohort.count { p in
            p.status != .terminated && (p.lastActivity.map { $0 > day.daysSinceEpoch - 90 } ?? false)
        }
        return FirstYearRetention(cohortFrom: from.adding(days: 1), cohortThrough: through, retained: Share(retained, of: cohort.count))
    }

    static func growth(_ partners: [PartnerFacts]) -> CommercialGrowth {
        // Money as exact decimals (Money.exact), whatever the order of the additions.
        func total(_ amount: (PartnerFacts) -> Double) -> Double {
            var sum = ExactSum()
            for partner in partners { sum.add(amount(partner)) }
            return sum.money
        }
        let current = total(\.revenue12m), prior = total(\.revenuePrior12m)
        let rates = partners.filter { $0.revenuePrior12m > 0 }.map { ($0.revenue12m - $0.revenuePrior12m) / $0.revenuePrior12m }
        return CommercialGrowth(revenue12m: current, revenuePrior12m: prior, rate: prior > 0 ? (current - prior) / prior : nil,
                                medianPartnerRate: Statistics.median(rates), partnersWithPriorRevenue: rates.count)
    }

    /// The top ⌈20% × enrolled⌉ partners by 12-month revenue, and their share of it.
    static func concentration(_ partners: [PartnerFacts]) -> RevenueConcentration {
        let revenue = partners.map(\.revenue12m).sorted(by: >)
        let top = (partners.count + 4) / 5
        let total = Money.exact(revenue.reduce(0, +)), topRevenue = Money.exact(revenue.prefix(top).reduce(0, +))
        return RevenueConcentration(topPartners: top, topRevenue: topRevenue, totalRevenue: total,
                                    share: total > 0 ? topRevenue / total : nil)
    }
}
