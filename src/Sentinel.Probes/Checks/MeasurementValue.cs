using System.Globalization;

namespace Sentinel.Probes.Checks;

/// <summary>
/// The value of one named measurement of a result: a number (<c>http.status_code</c>, <c>cert.days_left</c>),
/// a text (<c>http.version</c>, <c>tls.version</c>) or a list of texts (<c>dns.answers</c>).
/// </summary>
public readonly record struct MeasurementValue
{
    private MeasurementValue(double? number, string? text, IReadOnlyList<string>? items)
    {
        Number = number;
        Text = text;
        Items = items;
    }

    /// <summary>The number, when this is a numeric measurement.</summary>
    public double? Number { get; }

    /// <summary>The text, when this is a textual measurement.</summary>
    public string? Text { get; }

    /// <summary>The items, when this is a list measurement.</summary>
    public IReadOnlyList<string>? Items { get; }

    /// <summary>Wraps a number.</summary>
    public static MeasurementValue Of(double number) => new(number, null, null);

    /// <summary>Wraps a text.</summary>
    public static MeasurementValue Of(string text) => new(null, text, null);

    /// <summary>Wraps a list of texts.</summary>
    public static MeasurementValue Of(IReadOnlyList<string> items) => new(null, null, items);

    /// <summary>The value as an assertion message shows it: numbers invariant, texts quoted, lists bracketed.</summary>
    public override string ToString() => this switch
    {
        { Number: { } n } => FormatNumber(n),
        { Text: { } t } => $"\"{t}\"",
        { Items: { } items } => "[" + string.Join(", ", items.Select(i => $"\"{i}\"")) + "]",
        _ => "nothing",
    };

    /// <summary>Formats a number the way results show it: up to three decimals, invariant culture.</summary>
    public static string FormatNumber(double value) =>
        Math.Round(value, 3).ToString("0.###", CultureInfo.InvariantCulture);
}
