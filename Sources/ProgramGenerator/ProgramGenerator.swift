import Foundation
import PartnerModel

/// A seeded synthetic partner program, calibrated to published channel
/// statistics, written as import files (`partners.csv` + `events.csv`, or
/// `.jsonl`). The same options give the same bytes.
///
/// ```swift
/// let generator = ProgramGenerator(options: .init(partners: 10_000, seed: 7, industry: .named("telecom")))
/// try generator.write(to: URL(fileURLWithPath: "out"))
/// ```
///
/// Partners are made one at a time from their own random stream (seed and
/// index), so a million partners never need to be in memory together.
public struct ProgramGenerator: Sendable {
    public struct Options: Sendable {
        public var partners: Int
        public var seed: UInt64
        /// One industry's programs, or nil for a mix of all.
        public var industry: Industry?
        /// Events per partner per year of activity (most of them portal logins).
        public var eventsPerYear: Double
        /// The last day events may fall on.
        public var end: Day
        public var format: Format

        public init(partners: Int, seed: UInt64, industry: Industry? = nil, eventsPerYear: Double = ProgramGenerator.defaultEventsPerYear,
                    end: Day = ProgramGenerator.defaultEnd, format: Format = .csv) {
            self.partners = partners
            self.seed = seed
            self.industry = industry
            self.eventsPerYear = eventsPerYear
            self.end = end
            self.format = format
        }
    }

    public enum Format: String, Sendable, CaseIterable {
        case csv, jsonl
    }

    /// What one partner did: its profile and its events in date order.
    public struct GeneratedPartner: Sendable {
        public var partner: Partner
        public var events: [ActivityEvent]
    }

    public struct Summary: Sendable {
        public var partners: Int
        public var events: Int
        public var partnersFile: URL
        public var eventsFile: URL
    }

    /// A fixed default end, never "today": runs are reproducible.
    public static let defaultEnd = Day(year: 2026, month: 10, day: 31)!

    /// The ends whose every generated date is a ``Day/supported`` one:
    /// enrolments reach four years back, certificates stay valid up to their
    /// longest validity past the end.
    public static let supportedEnds: ClosedRange<Day> = {
        let validity = Industry.all.flatMap(\.programs).flatMap(\.certifications).map(\.validMonths).max() ?? 0
        return Day.supported.lowerBound.adding(days: 4 * 365)...Day.supported.upperBound.adding(months: -max(validity, 12))
    }()

    /// Events per partner per year of activity by default. Enrolments spread
    /// over four years and many partners go dormant, so this gives about 100
    /// events per partner over its life — a 100k-partner program has about
    /// 10M events, the size the benchmarks are specified for.
    public static let defaultEventsPerYear = 45.0

    public let options: Options
    let programs: [ProgramProfile]

    public init(options: Options) {
        self.options = options
        programs = options.industry?.programs ?? Industry.all.flatMap(\.programs)
    }

    /// Make each partner in id order and hand it to `body`.
    public func forEachPartner(_ body: (GeneratedPartner) throws -> Void) rethrows {
        for index in 0..<options.partners {
            try body(partner(at: index))
        }
    }

    /// The partner with this index (0-based), with its events.
    public func partner(at index: Int) -> GeneratedPartner {
        var simulation = PartnerSimulation(index: index, program: programs[index % programs.count], options: options,
                                           random: SeededRandom(seed: options.seed, stream: UInt64(index)))
        return simulation.run()
    }

    /// Write the partners and events files into `directory` (created if needed).
    @discardableResult
    public func write(to directory: URL) throws -> Summary {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let ext = options.format.rawValue
        let partnersURL = directory.appendingPathComponent("partners.\(ext)")
        let eventsURL = directory.appendingPathComponent("events.\(ext)")
        let partners = try ImportFileWriter(url: partnersURL, format: options.format, content: .partners)
        let events = try ImportFileWriter(url: eventsURL, format: options.format, content: .events)
        var eventCount = 0
        try forEachPartner { generated in
            try partners.write(generated.partner)
            for event in generated.events { try events.write(event) }
            eventCount += generated.events.count
        }
        try partners.close()
        try events.close()
        return Summary(partners: options.partners, events: eventCount, partnersFile: partnersURL, eventsFile: eventsURL)
    }
}
