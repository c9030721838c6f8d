using System.Text.Json;

namespace Sentinel.Probes.Checks;

/// <summary>Reads a check's <c>assert</c> list.</summary>
internal static class AssertionReader
{
    private static readonly Dictionary<string, AssertionSeverity> Severities = new(StringComparer.Ordinal)
    {
        ["error"] = AssertionSeverity.Error,
        ["warning"] = AssertionSeverity.Warning,
    };

    private static readonly (string Name, AssertionOperator Operator)[] Operators =
    [
        ("equals", AssertionOperator.EqualTo),
        ("notEquals", AssertionOperator.NotEqualTo),
        ("atLeast", AssertionOperator.AtLeast),
        ("atMost", AssertionOperator.AtMost),
        ("in", AssertionOperator.In),
        ("matches", AssertionOperator.Matches),
    ];

    public static IReadOnlyList<Assertion> Read(JsonObjectReader check, CheckType? type)
    {
        if (check.Array("assert", 100) is not { } items)
        {
            return [];
        }

        var assertions = new List<Assertion>();
        foreach (var (item, path) in items)
        {
            if (check.ItemObject(item, path) is { } r && ReadOne(r, type) is { } assertion)
            {
                assertions.Add(assertion);
            }
        }

        return assertions;
    }

    private static Assertion? ReadOne(JsonObjectReader r, CheckType? type)
    {
        var that = r.String("that", required: true, maxLength: 128);
        if (that is not null && type is not null && !type.HasMeasurement(that))
        {
            r.Error("that", $"unknown measurement \"{that}\" for type {type.Name}; expected one of: {string.Join(", ", type.Measurements)}");
        }

        var severity = r.Choice("severity", Severities) ?? AssertionSeverity.Error;
        var present = Operators.Where(o => r.Has(o.Name)).ToList();
        r.Complete();
        if (present.Count == 0)
        {
            r.Error(null, $"expected one operator: {string.Join(", ", Operators.Select(o => o.Name))}");
            return null;
        }

        if (present.Count > 1)
        {
            r.Error(present[1].Name, $"only one operator per assertion; already has \"{present[0].Name}\"");
            return null;
        }

        var (name, op) = present[0];
        var operand = r.Member(name)!.Value;
        var operandPath = JsonPath.Member(r.Path, name);
        List<MeasurementValue> operands = [];
        System.Text.RegularExpressions.Regex? pattern = null;
        switch (op)
        {
            case AssertionOperator.AtLeast or AssertionOperator.AtMost:
                if (r.Number(name, double.MinValue, double.MaxValue) is not { } bound)
                {
                    return null;
                }

                operands.Add(MeasurementValue.Of(bound));
                break;
            case AssertionOperator.Matches:
                pattern = r.Pattern(name);
                if (pattern is null)
                {
                    return null;
                }

                break;
            case AssertionOperator.In:
                if (operand.ValueKind != JsonValueKind.Array || operand.GetArrayLength() is 0 or > 100)
                {
                    r.Error(name, $"expected an array of 1 to 100 numbers or strings, got {JsonObjectReader.Describe(operand)}");
                    return null;
                }

                var index = 0;
                foreach (var element in operand.EnumerateArray())
                {
                    if (Scalar(element) is { } value)
                    {
                        operands.Add(value);
                    }
                    else
                    {
                        r.ErrorAt(JsonPath.Index(operandPath, index), $"expected a number or a string, got {JsonObjectReader.Describe(element)}");
                    }

                    index++;
                }

                if (operands.Count != operand.GetArrayLength())
                {
                    return null;
                }

                break;
            default:
                if (Scalar(operand) is { } scalar)
                {
                    operands.Add(scalar);
                }
                else if (operand.ValueKind == JsonValueKind.Array && operand.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String))
                {
                    operands.Add(MeasurementValue.Of(operand.EnumerateArray().Select(e => e.GetString()!).ToList()));
                }
                else
                {
                    r.Error(name, $"expected a number, a string or an array of strings, got {JsonObjectReader.Describe(operand)}");
                    return null;
                }

                break;
        }

        return that is null ? null : new Assertion(that, op, operands, pattern, severity, r.Path);
    }

    private static MeasurementValue? Scalar(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Number when element.TryGetDouble(out var n) && double.IsFinite(n) => MeasurementValue.Of(n),
        JsonValueKind.String => MeasurementValue.Of(element.GetString()!),
        _ => null,
    };
}
