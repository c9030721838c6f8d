using Sentinel.Probes.Checks;
using Sentinel.Probes.Running;
using Xunit;

namespace Sentinel.Probes.Tests.Running;

public sealed class AssertionEvaluatorTests
{
    public static TheoryData<string, MeasurementValue, bool> Cases() => new()
    {
        { """ "equals": 200 """, MeasurementValue.Of(200), true },
        { """ "equals": 200 """, MeasurementValue.Of(503), false },
        { """ "equals": "2" """, MeasurementValue.Of(2), true },
        { """ "equals": "h2" """, MeasurementValue.Of("h2"), true },
        { """ "equals": ["b", "a"] """, MeasurementValue.Of(["a", "b"]), true },
        { """ "equals": ["a"] """, MeasurementValue.Of(["a", "b"]), false },
        { """ "notEquals": 0 """, MeasurementValue.Of(1), true },
        { """ "notEquals": 0 """, MeasurementValue.Of(0), false },
        { """ "atLeast": 14 """, MeasurementValue.Of(14), true },
        { """ "atLeast": 14 """, MeasurementValue.Of(13.9), false },
        { """ "atLeast": 14 """, MeasurementValue.Of("20"), false },
        { """ "atMost": 800 """, MeasurementValue.Of(800), true },
        { """ "atMost": 800 """, MeasurementValue.Of(800.01), false },
        { """ "in": [200, 204] """, MeasurementValue.Of(204), true },
        { """ "in": [200, 204] """, MeasurementValue.Of(500), false },
        { """ "matches": "^TLS 1\\.[23]$" """, MeasurementValue.Of("TLS 1.3"), true },
        { """ "matches": "^TLS 1\\.[23]$" """, MeasurementValue.Of("TLS 1.0"), false },
        { """ "matches": "^2" """, MeasurementValue.Of(204), true },
        { """ "matches": "mx2" """, MeasurementValue.Of(["mx1.example.", "mx2.example."]), true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Evaluate_Operator_HoldsOrFails(string op, MeasurementValue value, bool holds)
    {
        var assertion = Parse(op);

        var problems = AssertionEvaluator.Evaluate([assertion], new Dictionary<string, MeasurementValue> { ["tcp.duration.total_ms"] = value }).ToList();

        Assert.Equal(holds, problems.Count == 0);
    }

    [Fact]
    public void Evaluate_MissingMeasurement_FailsSayingItWasNotMeasured()
    {
        var problem = Assert.Single(AssertionEvaluator.Evaluate([Parse(""" "atLeast": 14 """)], new Dictionary<string, MeasurementValue>()));

        Assert.Equal("tcp.duration.total_ms was not measured in this run, expected at least 14", problem.Message);
    }

    [Fact]
    public void Evaluate_In_MessageListsTheChoices()
    {
        var problem = Assert.Single(AssertionEvaluator.Evaluate([Parse(""" "in": [200, "ok"] """)], new Dictionary<string, MeasurementValue> { ["tcp.duration.total_ms"] = MeasurementValue.Of(503) }));

        Assert.Equal("tcp.duration.total_ms was 503, expected one of [200, \"ok\"]", problem.Message);
    }

    private static Assertion Parse(string op)
    {
        var document = CheckParser.Parse($$"""{ "id": "x", "type": "tcp", "target": "127.0.0.1:1", "assert": [{ "that": "tcp.duration.total_ms", {{op}} }] }""", "t", ProbeCatalog.Default.Checks);
        Assert.True(document.IsValid, string.Join("; ", document.Errors));
        return document.Checks[0].Definition.Assertions[0];
    }
}
