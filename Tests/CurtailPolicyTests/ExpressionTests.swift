import CurtailPolicy
import Testing

@Suite("Expression language")
struct ExpressionTests {
    func compile(_ source: String, _ type: ExpressionType = .boolean, parameters: [(String, Dimension)] = []) throws(ExpressionError) -> (
        CompiledExpression, ExpressionEnvironment
    ) {
        var environment = ExpressionEnvironment()
        for (name, dimension) in parameters { environment.declareParameter(name, dimension: dimension) }
        let expression = try CompiledExpression(source, expecting: type, in: &environment)
        return (expression, environment)
    }

    func value(_ source: String, _ set: (inout ExpressionContext) -> Void = { _ in }) throws -> Double {
        let (expression, environment) = try compile(source, .number(.none))
        var context = ExpressionContext(parameterCount: 0, aggregateCount: environment.aggregates.count, eventCount: 0)
        set(&context)
        return expression.evaluate(in: context)
    }

    func truth(_ source: String, parameters: [Double] = [], _ set: (inout ExpressionContext) -> Void = { _ in }) throws -> Bool {
        let (expression, environment) = try compile(source, parameters: parameters.enumerated().map { ("p\($0.offset)", .none) })
        var context = ExpressionContext(
            parameterCount: parameters.count,
            aggregateCount: environment.aggregates.count,
            eventCount: environment.eventPrograms.count
        )
        context.parameters = parameters
        set(&context)
        return expression.isTrue(in: context)
    }

    @Test("arithmetic, precedence and units")
    func arithmetic() throws {
        #expect(try value("1 + 2 * 3") == 7)
        #expect(try value("(1 + 2) * 3") == 9)
        #expect(try value("-2 * -3") == 6)
        #expect(try value("min(5, 3, 4) + max(1, 2) + abs(-1) + clamp(12, 0, 10)") == 16)
        #expect(try value("2h / 1m") == 120)
        #expect(try value("500 kW / 1 MW") == 0.5)
        #expect(try value("1.5e3") == 1500)
    }

    @Test("comparisons, logic, in lists and ranges, weekday names")
    func logic() throws {
        #expect(try truth("price > 80 and not (price > 100)") { $0[.price] = 90 })
        #expect(
            try truth("price > 80 $/MWh or hour in 14..18") {
                $0[.price] = 10; $0[.hour] = 18
            }
        )
        #expect(try !truth("hour in 14..18") { $0[.hour] = 19 })
        #expect(try truth("weekday in [sat, sun]") { $0[.weekday] = 7 })
        #expect(
            try truth("month in [6, 7, 8, 9] and price_age > 10m") {
                $0[.month] = 7; $0[.priceAge] = 601
            }
        )
        #expect(try truth("p0 * 2 == 6", parameters: [3]))
        #expect(try truth("frequency < 59.7 Hz") { $0[.frequency] = 59.6 })
    }

    @Test("and/or short-circuit and still give the full truth table, nested and mixed with not")
    func shortCircuit() throws {
        for bits in 0..<8 {
            let (a, b, c) = (Double(bits & 1), Double(bits >> 1 & 1), Double(bits >> 2 & 1))
            let set: (inout ExpressionContext) -> Void = {
                $0[.hour] = a; $0[.minute] = b; $0[.month] = c
            }
            let (x, y, z) = (a == 1, b == 1, c == 1)
            #expect(try truth("hour == 1 and minute == 1", set) == (x && y))
            #expect(try truth("hour == 1 or minute == 1", set) == (x || y))
            #expect(try truth("hour == 1 and minute == 1 or month == 1", set) == ((x && y) || z))
            #expect(try truth("hour == 1 or minute == 1 and month == 1", set) == (x || (y && z)))
            #expect(try truth("not (hour == 1 or minute == 1) and (month == 1 or hour == 1)", set) == (!(x || y) && (z || x)))
            #expect(try truth("(hour == 1 and (minute == 1 or month == 1)) or not month == 1", set) == ((x && (y || z)) || !z))
        }
        // The skipped side leaves the stack as the operator would: arithmetic around it still works.
        #expect(try value("min(1, 2) + 3") == 4)
    }

    @Test("unknown values (NaN) make every comparison false")
    func unknown() throws {
        #expect(try !truth("da_price > 50"))
        #expect(try !truth("da_price <= 50"))
        #expect(try truth("not (da_price > 50)"))
    }

    @Test("window statistics and events are registered once and read from slots")
    func slots() throws {
        let (_, environment) = try compile(
            "avg(price, 4h) > 1 and avg(price, 4h) < 9 and percentile(price, 24h, 90) > 0 and event_active(\"ERS-10\")"
        )
        #expect(environment.aggregates.count == 2)
        #expect(environment.aggregates[0] == Aggregate(kind: .average, windowSeconds: 14_400))
        #expect(environment.aggregates[1] == Aggregate(kind: .percentile, windowSeconds: 86_400, percentile: 90))
        #expect(environment.eventPrograms == ["ERS-10"])
    }

    /// (source, offset of the problem, a fragment of the message)
    static let errors: [(String, Int, String)] = [
        ("pirce > 80", 0, "undefined name 'pirce'; did you mean 'price'?"),
        ("price > 80 MW", 6, "'>' mixes USD/MWh and MW"),
        ("price > ", 8, "expression ends too early"),
        ("price >> 3", 7, "expected a value, found '>'"),
        ("price > 80 && hour > 3", 11, "write 'and'"),
        ("price = 3", 6, "compare with '=='"),
        ("1 < price < 3", 10, "comparisons do not chain"),
        ("price + 1", 0, "expected true/false, but this expression is a number in USD/MWh"),
        ("hour in [1, price]", 12, "list elements must be constants"),
        ("avg(hour, 4h) > 1", 4, "first argument of avg must be 'price'"),
        ("avg(price, 4) > 1", 11, "window of avg must be a positive duration"),
        ("avg(price, 4x) > 1", 12, "unknown unit 'x'"),
        ("foo(1) > 2", 0, "unknown function 'foo'"),
        ("price * price > 3", 6, "cannot multiply USD/MWh by USD/MWh"),
        ("not price", 0, "'not' needs true/false"),
        ("event_active(3)", 0, "event_active takes no argument or one program in quotes"),
        ("(price > 3", 10, "expected ')'"),
        ("'ERS", 0, "unterminated string"),
        ("", 0, "empty expression"),
    ]

    @Test("errors name the column and what was expected", arguments: errors)
    func error(source: String, offset: Int, fragment: String) {
        do {
            _ = try compile(source)
            Issue.record("\(source) compiled")
        } catch {
            #expect(error.offset == offset, "\(source): \(error)")
            #expect(error.message.contains(fragment), "\(source): \(error.message)")
        }
    }
}
