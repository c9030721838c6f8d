using System.Text.RegularExpressions;

namespace Sentinel.Probes.Checks;

/// <summary>The comparison an assertion makes.</summary>
public enum AssertionOperator
{
    /// <summary>The value equals the operand.</summary>
    EqualTo,

    /// <summary>The value differs from the operand.</summary>
    NotEqualTo,

    /// <summary>The numeric value is at least the operand.</summary>
    AtLeast,

    /// <summary>The numeric value is at most the operand.</summary>
    AtMost,

    /// <summary>The value is one of the operands.</summary>
    In,

    /// <summary>The textual value matches the regular expression.</summary>
    Matches,
}

/// <summary>What a failed assertion does to the result (<c>"severity"</c>).</summary>
public enum AssertionSeverity
{
    /// <summary>The result is down (the default).</summary>
    Error,

    /// <summary>The result is degraded: up, but worth a look.</summary>
    Warning,
}

/// <summary>
/// One entry of a check's <c>assert</c> list, e.g. <c>{ "that": "cert.days_left", "atLeast": 14 }</c>.
/// A failed assertion is a problem of category <c>assertion_failed</c>; with <c>"severity": "warning"</c>
/// it makes the result degraded instead of down.
/// </summary>
/// <param name="That">The measurement name.</param>
/// <param name="Operator">The comparison.</param>
/// <param name="Operands">The operand (one, or several for <see cref="AssertionOperator.In"/>).</param>
/// <param name="Pattern">The regular expression for <see cref="AssertionOperator.Matches"/>.</param>
/// <param name="Severity">Error (down) or warning (degraded).</param>
/// <param name="Path">The JSON path of the assertion, for messages.</param>
public sealed record Assertion(
    string That,
    AssertionOperator Operator,
    IReadOnlyList<MeasurementValue> Operands,
    Regex? Pattern,
    AssertionSeverity Severity,
    string Path);
