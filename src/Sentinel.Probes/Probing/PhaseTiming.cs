namespace Sentinel.Probes.Probing;

/// <summary>The time one phase of a probe took, e.g. <c>resolve</c>, <c>connect</c>, <c>tls</c>.</summary>
/// <param name="Name">The phase name, as blackbox_exporter names it where it has one.</param>
/// <param name="Duration">How long the phase took on the wire.</param>
public readonly record struct PhaseTiming(string Name, TimeSpan Duration);
