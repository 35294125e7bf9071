using System.Runtime.CompilerServices;

// The probe tests check Go-compatible text rendering and command expansion directly.
[assembly: InternalsVisibleTo("Podvisor.Agent.Tests")]
