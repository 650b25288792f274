import Foundation
import PartnerModel
@testable import PartnerStore

/// A temporary folder for one test's files, removed afterwards.
final class Folder: @unchecked Sendable {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("partnerstore-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    /// Write `contents` to `name` and return its path.
    @discardableResult
    func write(_ name: String, _ contents: String) throws -> String {
        let path = url.appendingPathComponent(name).path
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}

func day(_ text: String) -> Day { try! Day(parsing: text) }

let partnersHeader = "id,name,type,program,region,country,territories,products,enrolled,cam,tier,tier_since,status\n"
let eventsHeader = "partner_id,date,kind,amount,currency,product,territory,name,value,expires\n"

/// Two partners of a telecom agent program.
let twoPartnersCSV = partnersHeader + """
    P1,"Acme, Inc.",agent,telecom-agents,NA,US,US-CA;US-TX,voice;broadband,2023-01-15,cam-1,Authorized,2023-01-15,active
    P2,Bolt Networks,agent,telecom-agents,NA,US,US-NY,mobile,2024-06-01,cam-2,,,

    """

func partner(_ id: String, enrolled: String = "2023-01-15", territories: [String] = ["US-CA"], products: [String] = ["voice"],
             program: String = "telecom-agents") -> Partner {
    Partner(id: id, name: "Partner \(id)", type: .agent, program: program, region: "NA", country: "US",
            territories: territories, products: products, enrolled: day(enrolled), channelAccountManager: "cam-1")
}

func event(_ id: String, _ date: String, _ kind: ActivityEvent.Kind) -> ActivityEvent {
    ActivityEvent(partnerID: id, date: day(date), kind: kind)
}
