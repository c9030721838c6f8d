using System.Text.RegularExpressions;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Running;

/// <summary>
/// Evaluates a check's assertions against a result's measurements. Each failed assertion becomes a problem
/// of category <c>assertion_failed</c> whose message names the measurement, the bound and the value seen.
/// </summary>
internal static class AssertionEvaluator
{
    private const string Hint = "compare the value with the bound: either the target regressed or the bound needs adjusting";

    public static IEnumerable<Problem> Evaluate(IReadOnlyList<Assertion> assertions, IReadOnlyDictionary<string, MeasurementValue> measurements)
    {
        foreach (var assertion in assertions)
        {
            if (!measurements.TryGetValue(assertion.That, out var value))
            {
                yield return Failed(assertion, $"{assertion.That} was not measured in this run, expected {Expectation(assertion)}",
                    "the probe did not produce this measurement for this target (for example cert.days_left over plain HTTP)");
                continue;
            }

            if (!Holds(assertion, value))
            {
                yield return Failed(assertion, $"{assertion.That} was {value}, expected {Expectation(assertion)}", Hint);
            }
        }
    }

    private static Problem Failed(Assertion assertion, string message, string hint) =>
        new(Layers.Assertion, FailureCategories.AssertionFailed, message, hint,
            assertion.Severity == AssertionSeverity.Warning ? ProblemSeverity.Warning : ProblemSeverity.Error);

    private static bool Holds(Assertion assertion, MeasurementValue value)
    {
        var operand = assertion.Operands.Count > 0 ? assertion.Operands[0] : default;
        return assertion.Operator switch
        {
            AssertionOperator.EqualTo => AreEqual(value, operand),
            AssertionOperator.NotEqualTo => !AreEqual(value, operand),
            AssertionOperator.AtLeast => value.Number is { } n && n >= operand.Number,
            AssertionOperator.AtMost => value.Number is { } n && n <= operand.Number,
            AssertionOperator.In => assertion.Operands.Any(o => AreEqual(value, o)),
            AssertionOperator.Matches => Matches(assertion.Pattern!, value),
            _ => false,
        };
    }

    /// <summary>Numbers compare as numbers; anything else compares as text; lists compare as sets.</summary>
    private static bool AreEqual(MeasurementValue value, MeasurementValue operand)
    {
        if (value.Number is { } a && operand.Number is { } b)
        {
            return a.Equals(b);
        }

        if (value.Items is { } items || operand.Items is not null)
        {
            return value.Items is { } left && operand.Items is { } right
                && left.Order(StringComparer.Ordinal).SequenceEqual(right.Order(StringComparer.Ordinal), StringComparer.Ordinal);
        }

        return string.Equals(AsText(value), AsText(operand), StringComparison.Ordinal);
    }

    /// <summary>A text matches when the pattern finds it; a list matches when any item does.</summary>
    private static bool Matches(Regex pattern, MeasurementValue value)
    {
        try
        {
            return value.Items is { } items ? items.Any(pattern.IsMatch) : pattern.IsMatch(AsText(value));
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    private static string AsText(MeasurementValue value) =>
        value.Text ?? value.NumberText ?? string.Empty;

    private static string Expectation(Assertion assertion) => assertion.Operator switch
    {
        AssertionOperator.EqualTo => $"{assertion.Operands[0]}",
        AssertionOperator.NotEqualTo => $"anything but {assertion.Operands[0]}",
        AssertionOperator.AtLeast => $"at least {assertion.Operands[0]}",
        AssertionOperator.AtMost => $"at most {assertion.Operands[0]}",
        AssertionOperator.In => $"one of [{string.Join(", ", assertion.Operands)}]",
        AssertionOperator.Matches => $"to match /{assertion.Pattern}/",
        _ => "?",
    };
}
