using System.ComponentModel.DataAnnotations;

namespace Sentinel.Worker.Hosting;

/// <summary>This node's identity and role (section <c>Sentinel:Node</c>).</summary>
internal sealed class NodeOptions
{
    public const string Section = "Sentinel:Node";

    /// <summary>The node name recorded with every result. Default: the machine's host name.</summary>
    [Required(ErrorMessage = "Sentinel:Node:Name must be set")]
    [StringLength(128, MinimumLength = 1, ErrorMessage = "Sentinel:Node:Name must be 1 to 128 characters")]
    public string Name { get; set; } = Environment.MachineName;

    /// <summary>
    /// What this node does: <c>all</c> (default: probes, storage and the API), <c>worker</c> (probes and
    /// storage, one node of a cluster over one PostgreSQL) or <c>api</c> (the API and <c>/metrics</c>, from the
    /// latest results in PostgreSQL).
    /// </summary>
    [Required(ErrorMessage = "Sentinel:Node:Role must be all, worker or api")]
    [RegularExpression("^(all|worker|api)$", ErrorMessage = "Sentinel:Node:Role must be all, worker or api")]
    public string Role { get; set; } = "all";

    public bool RunsProbes => Role is "all" or "worker";

    /// <summary>Whether this node is one of several sharing the schedule (Quartz's clustered store): role <c>worker</c>.</summary>
    public bool Clustered => Role is "worker";
}
