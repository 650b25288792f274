import PartnerModel

/// A day written as YYYY-MM-DD (a test's literal; a typo stops the test).
public func day(_ text: String) -> Day { try! Day(parsing: text) }
