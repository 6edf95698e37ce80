using System;
using System.Collections.Generic;
using NetGen.Optimizers;
using TorchSharp;
using TorchSharp.Modules;

namespace NetGen.Tests.Optimizers;

/// <summary>A NetGen optimizer and the torch.optim optimizer with the same hyperparameters.</summary>
/// <param name="CreateNetGen">Makes a fresh NetGen optimizer.</param>
/// <param name="CreateTorch">Makes the TorchSharp optimizer over the given parameters.</param>
public sealed record OptimizerCase(Func<Optimizer> CreateNetGen, Func<IEnumerable<Parameter>, torch.optim.Optimizer> CreateTorch);

/// <summary>
/// The option combinations under test, keyed by a descriptive name. The float hyperparameters are passed to torch
/// widened to double, so both sides start from bit-identical values. Learning rates are chosen so that the parameters
/// move by about their own scale over 100 steps, epsilons are sometimes made large so that their placement shows, and
/// AMSGrad runs with β₂ = 0.9: with 0.999 the raw second moment still grows after 100 steps, so its running maximum
/// would change nothing.
/// </summary>
public static class OptimizerCases
{
    public static readonly Dictionary<string, OptimizerCase> Sgd = new()
    {
        ["plain"] = SgdCase(0.05f),
        ["momentum 0.9"] = SgdCase(0.05f, momentum: 0.9f),
        ["nesterov momentum 0.9"] = SgdCase(0.05f, momentum: 0.9f, nesterov: true),
        ["weight decay 0.1"] = SgdCase(0.05f, weightDecay: 0.1f),
        ["momentum 0.8, dampening 0.3, weight decay 0.05"] = SgdCase(0.05f, momentum: 0.8f, dampening: 0.3f, weightDecay: 0.05f),
    };

    public static readonly Dictionary<string, OptimizerCase> AdaGrad = new()
    {
        ["lr 0.1"] = AdaGradCase(0.1f),
        ["lr decay 0.01, weight decay 0.05, initial accumulator 0.1"] = AdaGradCase(0.1f, lrDecay: 0.01f, weightDecay: 0.05f, initial: 0.1f),
        ["epsilon 0.5"] = AdaGradCase(0.1f, epsilon: 0.5f),
    };

    public static readonly Dictionary<string, OptimizerCase> RmsProp = new()
    {
        ["plain"] = RmsPropCase(0.01f),
        ["momentum 0.9"] = RmsPropCase(0.01f, momentum: 0.9f),
        ["centered"] = RmsPropCase(0.01f, centered: true),
        ["centered, momentum 0.5, alpha 0.9, weight decay 0.05"] = RmsPropCase(0.01f, alpha: 0.9f, weightDecay: 0.05f, momentum: 0.5f, centered: true),
        ["epsilon 0.1"] = RmsPropCase(0.01f, epsilon: 0.1f),
    };

    public static readonly Dictionary<string, OptimizerCase> Adam = new()
    {
        ["lr 0.01"] = AdamCase(0.01f),
        ["weight decay 0.1"] = AdamCase(0.01f, weightDecay: 0.1f),
        ["amsgrad, beta2 0.9"] = AdamCase(0.01f, beta2: 0.9f, amsGrad: true),
        ["betas 0.8 and 0.9, epsilon 0.1"] = AdamCase(0.01f, beta1: 0.8f, beta2: 0.9f, epsilon: 0.1f),
    };

    public static readonly Dictionary<string, OptimizerCase> AdamW = new()
    {
        ["default weight decay 0.01"] = AdamWCase(0.01f, weightDecay: 0.01f),
        ["weight decay 0.1"] = AdamWCase(0.01f, weightDecay: 0.1f),
        ["weight decay 0.1, amsgrad, beta2 0.9"] = AdamWCase(0.01f, beta2: 0.9f, weightDecay: 0.1f, amsGrad: true),
    };

    /// <summary>Every case of every optimizer, named "Optimizer: case".</summary>
    public static IEnumerable<KeyValuePair<string, OptimizerCase>> All()
    {
        foreach (var (optimizer, cases) in new[] { ("SGD", Sgd), ("AdaGrad", AdaGrad), ("RMSProp", RmsProp), ("Adam", Adam), ("AdamW", AdamW) })
        {
            foreach (var (name, c) in cases)
            {
                yield return new($"{optimizer}: {name}", c);
            }
        }
    }

    public static TheoryData<string> AllNames()
    {
        var data = new TheoryData<string>();
        foreach (var (name, _) in All())
        {
            data.Add(name);
        }

        return data;
    }

    public static OptimizerCase Get(string qualifiedName)
    {
        foreach (var (name, c) in All())
        {
            if (name == qualifiedName)
            {
                return c;
            }
        }

        throw new ArgumentException($"No optimizer case named '{qualifiedName}'.", nameof(qualifiedName));
    }

    private static OptimizerCase SgdCase(float lr, float momentum = 0f, float dampening = 0f, float weightDecay = 0f, bool nesterov = false) => new(
        () => new NetGen.Optimizers.Sgd(lr, momentum, dampening, weightDecay, nesterov),
        ps => torch.optim.SGD(ps, lr, momentum, dampening, weightDecay, nesterov));

    private static OptimizerCase AdaGradCase(float lr, float lrDecay = 0f, float weightDecay = 0f, float initial = 0f, float epsilon = 1e-10f) => new(
        () => new NetGen.Optimizers.AdaGrad(lr, lrDecay, weightDecay, initial, epsilon),
        ps => torch.optim.Adagrad(ps, lr, lrDecay, weightDecay, initial, epsilon));

    private static OptimizerCase RmsPropCase(float lr, float alpha = 0.99f, float epsilon = 1e-8f, float weightDecay = 0f, float momentum = 0f, bool centered = false) => new(
        () => new NetGen.Optimizers.RmsProp(lr, alpha, epsilon, weightDecay, momentum, centered),
        ps => torch.optim.RMSProp(ps, lr, alpha, epsilon, weightDecay, momentum, centered));

    private static OptimizerCase AdamCase(float lr, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f, bool amsGrad = false) => new(
        () => new NetGen.Optimizers.Adam(lr, beta1, beta2, epsilon, weightDecay, amsGrad),
        ps => torch.optim.Adam(ps, lr, beta1, beta2, epsilon, weightDecay, amsGrad));

    private static OptimizerCase AdamWCase(float lr, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0.01f, bool amsGrad = false) => new(
        () => new NetGen.Optimizers.AdamW(lr, beta1, beta2, epsilon, weightDecay, amsGrad),
        ps => torch.optim.AdamW(ps, lr, beta1, beta2, epsilon, weightDecay, amsGrad));
}
