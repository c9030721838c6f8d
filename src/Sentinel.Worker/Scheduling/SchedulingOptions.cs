using System.ComponentModel.DataAnnotations;

namespace Sentinel.Worker.Scheduling;

/// <summary>The scheduler (section <c>Sentinel:Scheduling</c>).</summary>
internal sealed class SchedulingOptions
{
    public const string Section = "Sentinel:Scheduling";

    /// <summary>
    /// How many checks may run at once on this node. Probes mostly wait on the network, so this is far above
    /// the core count. Default 256; 1 to 10,000.
    /// </summary>
    [Range(1, 10_000, ErrorMessage = "Sentinel:Scheduling:MaxConcurrency must be from 1 to 10000")]
    public int MaxConcurrency { get; set; } = 256;

    /// <summary>How often the schedule is compared with the database even without a change signal. Default 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Sentinel:Scheduling:ReconcileInterval must be from 00:00:01 to 01:00:00")]
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(30);
}
