using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using NetGen.Generator.Emit;
using NetGen.Generator.Layers;
using NetGen.Generator.Model;
using NetGen.Generator.Parsing;
using NetGen.Generator.Validation;

namespace NetGen.Generator;

/// <summary>
/// The NetGen incremental source generator: for every class marked <c>[Network]</c> it parses the layer attributes
/// into a plain model, validates shapes (reporting NG diagnostics on the offending attribute) and emits the forward
/// and backward code.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class NetworkGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<NetworkSpec> specs = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                NetworkParser.NetworkAttributeName,
                predicate: static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax, // a record gets NG0018
                transform: static (ctx, ct) => NetworkParser.Parse(ctx, ct))
            .WithTrackingName(TrackingNames.Parse);

        IncrementalValuesProvider<ValidationResult> results = specs
            .Select(static (spec, _) => NetworkValidator.Validate(spec))
            .WithTrackingName(TrackingNames.Validate);

        // Hint names are compared ignoring case, so each network's file name depends on the full names of all of them
        // (see NetworkEmitter.HintName). The list only changes when a network is added, removed or renamed.
        // Every value in the pipeline is a reference type (EquatableArray, a struct, travels inside a record): Roslyn's
        // node and table code for reference types is shared (__Canon) and already compiled when the generator starts,
        // while each struct in a node's type argument makes a cold compiler JIT a copy of that code (~400 methods).
        IncrementalValueProvider<NetworkNames> names = results
            .Where(static r => r.Model is not null)
            .Select(static (r, _) => NetworkEmitter.FullName(r.Model!))
            .Collect()
            .Select(static (all, _) => new NetworkNames(all.ToEquatableArray()));
        context.RegisterSourceOutput(results.Combine(names), static (spc, pair) => Execute(spc, pair.Left, pair.Right.All));

        // Diagnostics go out on their own branch, combined with the compilation so that each is reported on the real
        // syntax tree: only then do #pragma warning disable and [SuppressMessage] apply to it. This branch re-runs on
        // every edit but only maps locations; the model and the generated source stay cached.
        IncrementalValuesProvider<NetworkDiagnostics> diagnostics = results
            .Where(static result => result.Diagnostics.Count > 0)
            .Select(static (result, _) => new NetworkDiagnostics(result.Diagnostics));
        context.RegisterSourceOutput(diagnostics.Combine(context.CompilationProvider), static (spc, pair) => Report(spc, pair.Left.All, pair.Right));
    }

    private static void Report(SourceProductionContext context, EquatableArray<DiagnosticInfo> diagnostics, Compilation compilation)
    {
        foreach (DiagnosticInfo info in diagnostics)
        {
            DiagnosticDescriptor descriptor = Diagnostics.Find(info.Id);
            Location? location = null;
            if (info.Location is { } l)
            {
                SyntaxTree? tree = compilation.SyntaxTrees.FirstOrDefault(t => t.FilePath == l.FilePath);
                location = tree is not null && l.Span.End <= tree.Length ? Location.Create(tree, l.Span) : l.ToLocation();
            }

            context.ReportDiagnostic(Diagnostic.Create(descriptor, location, info.Arguments.Cast<object>().ToArray()));
        }
    }

    private static void Execute(SourceProductionContext context, ValidationResult result, EquatableArray<string> allNames)
    {
        if (result.Model is { } model)
        {
            string source;
            try
            {
                source = NetworkEmitter.Emit(model);
            }
            catch (System.Exception ex)
            {
                // The generator must never fail the build with an exception; say what happened instead.
                context.ReportDiagnostic(Diagnostic.Create(Diagnostics.InternalError, null, model.ClassName, ex.GetType().Name + ": " + ex.Message));
                return;
            }

            try
            {
                context.AddSource(NetworkEmitter.HintName(model, allNames), SourceText.From(source, System.Text.Encoding.UTF8));
            }
            catch (System.ArgumentException ex)
            {
                // A hint name Roslyn refuses (a duplicate, a character it does not accept) would otherwise throw out of
                // the generator and cost every network of the project its code: lose this one only, and say why.
                context.ReportDiagnostic(Diagnostic.Create(Diagnostics.InternalError, null, model.ClassName, ex.GetType().Name + ": " + ex.Message));
            }
        }
    }
}

/// <summary>The names of the tracked pipeline steps (used by the caching tests).</summary>
public static class TrackingNames
{
    /// <summary>Attributes → <c>NetworkSpec</c>.</summary>
    public const string Parse = nameof(Parse);

    /// <summary><c>NetworkSpec</c> → validated model and diagnostics.</summary>
    public const string Validate = nameof(Validate);
}
