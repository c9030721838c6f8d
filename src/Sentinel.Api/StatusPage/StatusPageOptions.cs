using System.ComponentModel.DataAnnotations;

namespace Sentinel.Api.StatusPage;

/// <summary>The status page at <c>/status</c> (section <c>Sentinel:StatusPage</c>).</summary>
public sealed class StatusPageOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Sentinel:StatusPage";

    /// <summary>Whether <c>/status</c> is served. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// Whether the page (and its refresh stream, <c>/status/events</c>) answers without an API key. Default false: a key
    /// of scope read is needed, as for <c>/v1</c>.
    /// </summary>
    public bool Public { get; set; }

    /// <summary>Only the checks with this label, as <c>name:value</c> (<c>team:payments</c>). Default none: every check.</summary>
    public string? Label { get; set; }

    /// <summary>The page's heading. Default "Status"; at most 100 characters.</summary>
    [StringLength(100, MinimumLength = 1, ErrorMessage = "Sentinel:StatusPage:Title must be 1 to 100 characters")]
    public string Title { get; set; } = "Status";

    /// <summary>The label filter as a name and a value; null without one.</summary>
    public (string Name, string Value)? LabelFilter =>
        Label is { } label && label.IndexOf(':', StringComparison.Ordinal) is > 0 and var colon ? (label[..colon], label[(colon + 1)..]) : null;

    /// <summary>The label must be <c>name:value</c> with a label name as check files write it.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Label is not null && (LabelFilter is not { } filter || !IsLabelName(filter.Name)))
        {
            yield return new ValidationResult($"Sentinel:StatusPage:Label: \"{Label}\" is not name:value with a label name, such as team:payments");
        }
    }

    private static bool IsLabelName(string name) =>
        name.Length <= 64 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
