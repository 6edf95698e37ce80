// Describe: Flatten 2×6×6 -> 72
// ExtraConstants: 
// HasForward: False, HasBackward: False

// EmitForward

// EmitBackward

// EmitParameterTensors

// EmitFields
// EmitBufferTensors
// EmitOnnx
g.Node("Flatten", "flatten0", "input").Int("axis", 1);
// returns flatten0