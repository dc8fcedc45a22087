import CurtailOpenADR
import Testing

@Suite("ISO 8601 durations")
struct ISODurationTests {
    @Test func readsOpenADRDurations() {
        #expect(ISODuration.seconds("PT10M") == 600)
        #expect(ISODuration.seconds("PT2S") == 2)
        #expect(ISODuration.seconds("P1DT2H") == 93_600)
        #expect(ISODuration.seconds("-PT5M") == -300)
        #expect(ISODuration.seconds("P9999Y") == 315_328_464_000)
        #expect(ISODuration.seconds("PT") == nil)
        #expect(ISODuration.seconds("10M") == nil)
        #expect(ISODuration.seconds("PT1H5") == nil)
        #expect(ISODuration.seconds("P1H") == nil)
    }
}
