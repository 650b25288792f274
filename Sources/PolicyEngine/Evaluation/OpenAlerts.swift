import PartnerModel

/// A partner's open alerts and the day each was first raised, in key order.
///
/// A partner has a handful of open alerts at most, and every evaluation
/// builds the next set: a sorted array serves that better than a dictionary,
/// which hashed each key's subject and allocated its table per partner
/// (replacing it took a fifth off an evaluation). Reads and writes like `[AlertKey: Day]`,
/// and encodes the same way: an object keyed by `"kind:subject"`.
public struct OpenAlerts: Sendable, Hashable, ExpressibleByDictionaryLiteral, RandomAccessCollection {
    public struct Entry: Sendable, Hashable {
        public var key: AlertKey
        public var firstRaised: Day
    }

    /// Sorted by key, each key once.
    private var entries: [Entry]

    public init() { entries = [] }

    public init(dictionaryLiteral elements: (AlertKey, Day)...) {
        entries = []
        for (key, day) in elements { self[key] = day }
    }

    /// Entries already in key order, each key once (what an evaluation builds).
    init(sorted entries: [Entry]) {
        assert(zip(entries, entries.dropFirst()).allSatisfy { $0.key < $1.key }, "open alerts out of order")
        self.entries = entries
    }

    public var startIndex: Int { entries.startIndex }
    public var endIndex: Int { entries.endIndex }
    public subscript(position: Int) -> Entry { entries[position] }

    /// The keys, in order.
    public var keys: [AlertKey] { entries.map(\.key) }

    /// When the alert `key` was first raised; nil when it is not open. Setting nil closes it.
    public subscript(key: AlertKey) -> Day? {
        get {
            let i = insertionPoint(of: key)
            return i < entries.count && entries[i].key == key ? entries[i].firstRaised : nil
        }
        set {
            let i = insertionPoint(of: key)
            let found = i < entries.count && entries[i].key == key
            switch (found, newValue) {
            case (true, let day?): entries[i].firstRaised = day
            case (true, nil): entries.remove(at: i)
            case (false, let day?): entries.insert(Entry(key: key, firstRaised: day), at: i)
            case (false, nil): break
            }
        }
    }

    /// The first position whose key is not below `key`.
    private func insertionPoint(of key: AlertKey) -> Int {
        var low = 0, high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if entries[mid].key < key { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

extension OpenAlerts: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        self.init()
        for codingKey in container.allKeys {
            guard let key = AlertKey(codingKey: codingKey) else {
                throw DecodingError.dataCorruptedError(forKey: codingKey, in: container, debugDescription: "bad alert key \(codingKey.stringValue)")
            }
            self[key] = try container.decode(Day.self, forKey: codingKey)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: AnyKey.self)
        for entry in entries { try container.encode(entry.firstRaised, forKey: AnyKey(stringValue: entry.key.description)) }
    }
}
