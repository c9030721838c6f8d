using System.ComponentModel.DataAnnotations;

namespace Sentinel.Worker.Checks;

/// <summary>The checks folder (section <c>Sentinel:Checks</c>).</summary>
internal sealed class CheckFilesOptions
{
    public const string Section = "Sentinel:Checks";

    /// <summary>The folder whose <c>*.json</c> files (recursively) define checks. Default <c>examples/checks</c>.</summary>
    [Required(ErrorMessage = "Sentinel:Checks:Directory must be set")]
    public string Directory { get; set; } = Path.Combine("examples", "checks");

    /// <summary>
    /// How often the folder is read again even without change notifications (which network file systems do
    /// not deliver). Default 30 s; 1 s to 1 h.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Sentinel:Checks:RescanInterval must be from 00:00:01 to 01:00:00")]
    public TimeSpan RescanInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the folder must be quiet after a change before it is read (editors write in steps). Default 300 ms.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10", ErrorMessage = "Sentinel:Checks:Debounce must be from 00:00:00 to 00:00:10")]
    public TimeSpan Debounce { get; set; } = TimeSpan.FromMilliseconds(300);
}
