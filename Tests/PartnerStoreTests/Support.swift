import Foundation
import PartnerModel
import TestSupport
@testable import PartnerStore

let partnersHeader = "id,name,type,program,region,country,territories,products,enrolled,cam,tier,tier_since,status\n"
let eventsHeader = "partner_id,date,kind,amount,currency,product,territory,name,value,expires\n"

/// Two partners of a telecom agent program.
let twoPartnersCSV = partnersHeader + """
    P1,"Acme, Inc.",agent,telecom-agents,NA,US,US-CA;US-TX,voice;broadband,2023-01-15,cam-1,Authorized,2023-01-15,active
    P2,Bolt Networks,agent,telecom-agents,NA,US,US-NY,mobile,2024-06-01,cam-2,,,

    """
