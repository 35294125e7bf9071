using Podvisor.Core.Model;
using System.Collections;

namespace Podvisor.Core.Validation;

/// <summary>
/// An ordered list of <see cref="FieldError"/>s (apimachinery field.ErrorList) plus the renderings that kubectl users
/// and API clients see. Validators append; nothing short-circuits.
/// </summary>
public sealed class ErrorList : IReadOnlyList<FieldError>
{
    private readonly List<FieldError> errors = [];

    public ErrorList()
    {
    }

    public ErrorList(IEnumerable<FieldError> errors) => this.errors.AddRange(errors);

    public int Count => errors.Count;

    /// <summary>True when there is no error.</summary>
    public bool IsEmpty => errors.Count == 0;

    public FieldError this[int index] => errors[index];

    public void Add(FieldError error) => errors.Add(error);

    public void AddRange(IEnumerable<FieldError> more) => errors.AddRange(more);

    public IEnumerator<FieldError> GetEnumerator() => errors.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>
    /// Mirrors <c>ErrorList.ToAggregate().Error()</c>: duplicate messages dropped, one error printed as is,
    /// several as <c>[e1, e2]</c>. Empty string when there are no errors.
    /// </summary>
    public string ToAggregateMessage()
    {
        var unique = errors.Select(e => e.ToString()).Distinct(StringComparer.Ordinal).ToList();
        return unique.Count switch
        {
            0 => "",
            1 => unique[0],
            _ => "[" + string.Join(", ", unique) + "]",
        };
    }

    /// <summary>
    /// The metav1.Status message kube-apiserver sends (errors.NewInvalid): <c>Pod "NAME" is invalid: ...</c>.
    /// </summary>
    public string ToStatusMessage(string kind, string name) => $"{kind} {GoFormat.Quote(name)} is invalid: {ToAggregateMessage()}";

    /// <summary>
    /// The message the CLI prints (docs/lifecycle.md §D2): <c>The Pod "NAME" is invalid: field.path: Type: detail</c>, several
    /// errors joined as <c>[a, b]</c>.
    /// </summary>
    public string ToInvalidMessage(string kind, string name) => "The " + ToStatusMessage(kind, name);
}
