using System.Globalization;

namespace Sentinel.Probes.Checks;

/// <summary>
/// The value of one named measurement of a result: a number (<c>http.status_code</c>, <c>cert.days_left</c>, and
/// <c>http.version</c> written as the protocol is named: <c>1.0</c>, <c>1.1</c>, <c>2</c>), a text
/// (<c>tls.version</c>) or a list of texts (<c>dns.answers</c>).
/// </summary>
public readonly record struct MeasurementValue
{
    private MeasurementValue(double? number, string? text, IReadOnlyList<string>? items, string? written = null)
    {
        Number = number;
        Text = text;
        Items = items;
        Written = written;
    }

    /// <summary>The number, when this is a numeric measurement.</summary>
    public double? Number { get; }

    /// <summary>The text, when this is a textual measurement.</summary>
    public string? Text { get; }

    /// <summary>The items, when this is a list measurement.</summary>
    public IReadOnlyList<string>? Items { get; }

    /// <summary>How the number is written, when its form says more than its value (<c>1.0</c>); null otherwise.</summary>
    public string? Written { get; }

    /// <summary>Wraps a number.</summary>
    public static MeasurementValue Of(double number) => new(number, null, null);

    /// <summary>
    /// Wraps a number with the way it is written wherever it is shown (reports, JSON, assertion messages and text
    /// comparisons), for a number whose form says more than its value: HTTP/1.0 is <c>1.0</c>, not <c>1</c>.
    /// <paramref name="written"/> must be a JSON number equal to <paramref name="number"/>.
    /// </summary>
    public static MeasurementValue Of(double number, string written) => new(number, null, null, written);

    /// <summary>Wraps a text.</summary>
    public static MeasurementValue Of(string text) => new(null, text, null);

    /// <summary>Wraps a list of texts.</summary>
    public static MeasurementValue Of(IReadOnlyList<string> items) => new(null, null, items);

    /// <summary>The number as written, when it is a number: its own written form, else <see cref="FormatNumber"/>'s.</summary>
    public string? NumberText => Number is { } n ? Written ?? FormatNumber(n) : null;

    /// <summary>The value as an assertion message shows it: numbers invariant, texts quoted, lists bracketed.</summary>
    public override string ToString() => this switch
    {
        { NumberText: { } n } => n,
        { Text: { } t } => $"\"{t}\"",
        { Items: { } items } => "[" + string.Join(", ", items.Select(i => $"\"{i}\"")) + "]",
        _ => "nothing",
    };

    /// <summary>Formats a number the way results show it: up to three decimals, invariant culture.</summary>
    public static string FormatNumber(double value) =>
        Math.Round(value, 3).ToString("0.###", CultureInfo.InvariantCulture);
}
