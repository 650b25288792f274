import PartnerModel

/// Reading a column a table's owner declared NOT NULL: a null or unreadable
/// value is a broken row, reported with its column rather than a crash.
extension SQLRow {
    public func requiredText(_ index: Int) throws -> String {
        guard let value = string(index) else { throw unreadable(index, "a text") }
        return value
    }

    public func requiredInt64(_ index: Int) throws -> Int64 {
        guard let value = int64(index) else { throw unreadable(index, "an integer") }
        return value
    }

    public func requiredInt(_ index: Int) throws -> Int { Int(try requiredInt64(index)) }

    public func requiredDouble(_ index: Int) throws -> Double {
        guard let value = double(index) else { throw unreadable(index, "a number") }
        return value
    }

    /// A day stored as days since 1970-01-01.
    public func requiredDay(_ index: Int) throws -> Day {
        guard let value = int64(index), let days = Int32(exactly: value) else { throw unreadable(index, "a day") }
        return Day(daysSinceEpoch: days)
    }

    /// A nullable day column (nil also when it does not hold a day).
    public func day(_ index: Int) -> Day? {
        int64(index).flatMap { Int32(exactly: $0) }.map(Day.init(daysSinceEpoch:))
    }

    private func unreadable(_ index: Int, _ kind: String) -> PartnerStoreError {
        let column = index < columns.count ? columns[index] : "#\(index + 1)"
        return PartnerStoreError("the database's column \(column) holds \(values[index] == .null ? "NULL" : "\(values[index])") where \(kind) belongs",
                                 hint: "the database was changed outside partnerscore or by an incompatible version")
    }
}

extension SQLSession {
    /// Whether the database holds the table (a store opened without some
    /// owner's migrations lacks its tables).
    public func tableExists(_ name: String) throws -> Bool {
        switch engine {
        case .sqlite:
            try row("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [.text(name)]) != nil
        case .postgresql:
            // Unquoted identifiers are folded to lower case when created.
            try row("SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?",
                    [.text(name.lowercased())]) != nil
        }
    }
}
