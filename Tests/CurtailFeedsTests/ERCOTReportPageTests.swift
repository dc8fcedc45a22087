import CurtailCore
import CurtailFeeds
import Testing

/// Reading NP6-905-CD and NP6-788-CD pages: good rows through, bad rows refused one by one.
@Suite("ERCOT report pages")
struct ERCOTReportPageTests {
    static let sppFields =
        #"[{"name":"deliveryDate"},{"name":"deliveryHour"},{"name":"deliveryInterval"},{"name":"settlementPoint"},{"name":"settlementPointType"},{"name":"settlementPointPrice"},{"name":"DSTFlag"}]"#

    static func page(_ data: String, fields: String = sppFields) -> [UInt8] {
        Array(#"{"_meta":{"totalRecords":1,"pageSize":1000,"totalPages":1,"currentPage":1},"fields":\#(fields),"data":\#(data)}"#.utf8)
    }

    @Test("the documented row shape gives a UTC interval start; other points are skipped")
    func documentedRow() throws {
        let page = try ERCOTReportPage(
            decoding: Self.page(#"[["2024-01-18",13,4,"HB_NORTH","HU",11.08,false],["2024-01-18",13,4,"HB_WEST","HU",12.5,false]]"#),
            product: "NP6-905-CD"
        )
        let read = ERCOTPrice.read(page, source: .settlement, settlementPoint: "HB_NORTH")
        #expect(read.refused.isEmpty)
        #expect(read.prices == [ERCOTPrice(source: .settlement, intervalStart: Timestamp(iso8601: "2024-01-18T18:45:00Z")!, price: 11.08)])
    }

    @Test("bad rows are refused with the row and the reason; good rows around them still count")
    func badRows() throws {
        let data =
            #"[["2024-01-18",13,4,"HB_WEST","HU",99999,false],["2024-01-18",13,4,"HB_WEST","HU","n/a",false],["2024-03-10",3,1,"HB_WEST","HU",20,false],["2024-01-18",14,1,"HB_WEST","HU",21.5,false],["2024-01-18",14,2,"HB_WEST","HU",21.5,"maybe"]]"#
        let page = try ERCOTReportPage(decoding: Self.page(data), product: "NP6-905-CD")
        let read = ERCOTPrice.read(page, source: .settlement, settlementPoint: "HB_WEST")
        #expect(read.prices.map(\.price) == [21.5])
        #expect(read.refused.map(\.kind) == [.outOfRange, .wrongType, .offGrid, .wrongType])
        #expect(read.refused[0].message.contains("row 1"))
        #expect(read.refused[2].message.contains("does not exist"))
    }

    @Test("not a page: not JSON, no fields, a row of the wrong length, data of the wrong type")
    func notAPage() {
        for (body, kind) in [
            ("<html>busy</html>", FeedInputError.Kind.malformed), (#"{"data":[]}"#, .missingField),
            (#"{"fields":[{"name":"a"}],"data":[[1,2]]}"#, .malformed), (#"{"fields":[{"name":"a"}],"data":"none"}"#, .wrongType),
        ] {
            #expect(throws: FeedInputError.self) { try ERCOTReportPage(decoding: Array(body.utf8), product: "NP6-905-CD") }
            do {
                _ = try ERCOTReportPage(decoding: Array(body.utf8), product: "NP6-905-CD")
            } catch {
                #expect(error.kind == kind, "\(body)")
            }
        }
    }

    @Test("an empty page is no prices and no refusal; a page without the price field is one refusal")
    func emptyAndMissing() throws {
        let empty = try ERCOTReportPage(decoding: Self.page("[]"), product: "NP6-905-CD")
        #expect(ERCOTPrice.read(empty, source: .settlement, settlementPoint: "HB_WEST").prices.isEmpty)
        #expect(ERCOTPrice.read(empty, source: .settlement, settlementPoint: "HB_WEST").refused.isEmpty)
        let missing = try ERCOTReportPage(
            decoding: Self.page(#"[["2024-01-18","HB_WEST"]]"#, fields: #"[{"name":"deliveryDate"},{"name":"settlementPoint"}]"#),
            product: "NP6-905-CD"
        )
        #expect(ERCOTPrice.read(missing, source: .settlement, settlementPoint: "HB_WEST").refused.map(\.kind) == [.missingField])
    }

    @Test("SCED rows: the interval the run falls in, the repeated-hour flag")
    func scedRows() throws {
        let fields = #"[{"name":"SCEDTimestamp"},{"name":"repeatHourFlag"},{"name":"settlementPoint"},{"name":"LMP"}]"#
        let data = #"[["2023-11-05T01:20:10",false,"HB_WEST",30.5],["2023-11-05T01:20:10",true,"HB_WEST",31.5]]"#
        let page = try ERCOTReportPage(decoding: Self.page(data, fields: fields), product: "NP6-788-CD")
        let read = ERCOTPrice.read(page, source: .sced, settlementPoint: "HB_WEST")
        #expect(read.refused.isEmpty)
        #expect(read.prices.map(\.intervalStart) == [Timestamp(iso8601: "2023-11-05T06:15:00Z")!, Timestamp(iso8601: "2023-11-05T07:15:00Z")!])
    }

    @Test("grid conditions: known states map to EEA levels, unknown ones are refused")
    func gridConditions() throws {
        func condition(_ state: String) throws -> ERCOTGridCondition {
            try ERCOTGridCondition(decoding: Array(#"{"current_condition":{"state":"\#(state)","prc_value":"2,950","datetime":1700000000}}"#.utf8))
        }
        #expect(try condition("normal").eeaLevel == 0)
        #expect(try condition("Conservation Appeal").eeaLevel == 0)
        #expect(try condition("EEA2").eeaLevel == 2)
        #expect(try condition("EEA Level 3").eeaLevel == 3)
        #expect(try condition("normal").prcMW == 2950)
        #expect(throws: FeedInputError.self) { try condition("rolling blackouts maybe") }
        #expect(throws: FeedInputError.self) { try ERCOTGridCondition(decoding: Array("{}".utf8)) }
    }
}
