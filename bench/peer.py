#!/usr/bin/env python3
"""PyTorch peer of `conceptrank bench`: the same networks, ops, shapes and thread count, timed in Python.

`conceptrank bench --peer python3` runs this script and talks to it in JSON lines. The first line on stdin
is the spec: the networks' configs as ConceptRank resolved them, batch, latent size, threads, the prompt's
token ids. The script builds the networks and answers {"ready": true, ...}; then each {"op": NAME} gets one
run of that op and {"ms": ...} back, so that Java and PyTorch runs alternate and share the machine's load;
{"op": null} ends the session with a summary (gradient norm, memory, versions). The modules below are plain,
self-contained PyTorch versions of the same architectures (CompVis LDM UNet and KL autoencoder, Hugging
Face-style CLIP) with PyTorch's default random initialisation: timings do not depend on the weights.

By hand: (cat spec.json; echo '{"op": "unet_forward"}'; echo '{"op": null}') | python3 bench/peer.py
"""

import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


# ---------------------------------------------------------------- CLIP (text and vision towers)

def activation(name):
    if name == "QUICK_GELU":
        return lambda x: x * torch.sigmoid(1.702 * x)
    return F.gelu


class ClipAttention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.q_proj = nn.Linear(width, width)
        self.k_proj = nn.Linear(width, width)
        self.v_proj = nn.Linear(width, width)
        self.out_proj = nn.Linear(width, width)

    def forward(self, x, mask):
        return self.out_proj(attention(self.q_proj(x), self.k_proj(x), self.v_proj(x), self.heads, mask))


class ClipLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer_norm1 = nn.LayerNorm(c["width"], eps=c["eps"])
        self.self_attn = ClipAttention(c["width"], c["heads"])
        self.layer_norm2 = nn.LayerNorm(c["width"], eps=c["eps"])
        self.fc1 = nn.Linear(c["width"], c["intermediateSize"])
        self.fc2 = nn.Linear(c["intermediateSize"], c["width"])
        self.act = activation(c["activation"])

    def forward(self, x, mask):
        x = x + self.self_attn(self.layer_norm1(x), mask)
        return x + self.fc2(self.act(self.fc1(self.layer_norm2(x))))


class ClipTextModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.token_embedding = nn.Embedding(c["vocabSize"], c["width"])
        self.position_embedding = nn.Embedding(c["maxPositions"], c["width"])
        self.layers = nn.ModuleList([ClipLayer(c) for _ in range(c["layers"])])
        self.final_layer_norm = nn.LayerNorm(c["width"], eps=c["eps"])

    def forward_embeddings(self, embeds):
        length = embeds.shape[1]
        x = embeds + self.position_embedding(torch.arange(length))
        mask = torch.full((length, length), float("-inf")).triu(1)
        for layer in self.layers:
            x = layer(x, mask)
        return self.final_layer_norm(x)


class ClipVisionModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        grid = c["imageSize"] // c["patchSize"]
        self.class_embedding = nn.Parameter(torch.randn(c["width"]) * 0.02)
        self.patch_embedding = nn.Conv2d(c["channels"], c["width"], c["patchSize"], c["patchSize"], bias=False)
        self.position_embedding = nn.Embedding(grid * grid + 1, c["width"])
        self.pre_layrnorm = nn.LayerNorm(c["width"], eps=c["eps"])
        self.layers = nn.ModuleList([ClipLayer(c) for _ in range(c["layers"])])
        self.post_layernorm = nn.LayerNorm(c["width"], eps=c["eps"])

    def forward(self, pixels):
        patches = self.patch_embedding(pixels).flatten(2).transpose(1, 2)
        cls = self.class_embedding.expand(pixels.shape[0], 1, -1)
        x = torch.cat([cls, patches], dim=1)
        x = self.pre_layrnorm(x + self.position_embedding(torch.arange(x.shape[1])))
        for layer in self.layers:
            x = layer(x, None)
        return self.post_layernorm(x[:, 0])


class ClipModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.text_model = ClipTextModel(c["text"])
        self.vision_model = ClipVisionModel(c["vision"])
        self.visual_projection = nn.Linear(c["vision"]["width"], c["projectionDim"], bias=False)
        self.text_projection = nn.Linear(c["text"]["width"], c["projectionDim"], bias=False)
        self.logit_scale = nn.Parameter(torch.tensor(2.6592))

    def encode_image(self, pixels):
        return self.visual_projection(self.vision_model(pixels))


def attention(q, k, v, heads, mask=None):
    """softmax(q k^T / sqrt(d) + mask) v over [B, L, C] inputs, as LDM's and CLIP's own code does it."""
    b, lq, c = q.shape
    q, k, v = (t.reshape(b, t.shape[1], heads, c // heads).transpose(1, 2) for t in (q, k, v))
    scores = q @ k.transpose(-1, -2) * (c // heads) ** -0.5
    if mask is not None:
        scores = scores + mask
    return (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, lq, c)


# ---------------------------------------------------------------- LDM UNet (openaimodel.UNetModel, SD 1.x/2.x)

def group_norm(channels, eps=1e-5):
    return nn.GroupNorm(32, channels, eps=eps)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, emb):
        super().__init__()
        self.in_layers = nn.Sequential(group_norm(cin), nn.SiLU(), nn.Conv2d(cin, cout, 3, padding=1))
        self.emb_layers = nn.Sequential(nn.SiLU(), nn.Linear(emb, cout))
        self.out_layers = nn.Sequential(group_norm(cout), nn.SiLU(), nn.Conv2d(cout, cout, 3, padding=1))
        self.skip_connection = nn.Identity() if cin == cout else nn.Conv2d(cin, cout, 1)

    def forward(self, x, emb):
        h = self.in_layers(x) + self.emb_layers(emb)[:, :, None, None]
        return self.skip_connection(x) + self.out_layers(h)


class CrossAttention(nn.Module):
    def __init__(self, ch, context_dim, heads):
        super().__init__()
        self.heads = heads
        self.to_q = nn.Linear(ch, ch, bias=False)
        self.to_k = nn.Linear(context_dim, ch, bias=False)
        self.to_v = nn.Linear(context_dim, ch, bias=False)
        self.to_out = nn.Linear(ch, ch)

    def forward(self, x, context):
        return self.to_out(attention(self.to_q(x), self.to_k(context), self.to_v(context), self.heads))


class TransformerBlock(nn.Module):
    def __init__(self, ch, heads, context_dim):
        super().__init__()
        self.attn1 = CrossAttention(ch, ch, heads)
        self.attn2 = CrossAttention(ch, context_dim, heads)
        self.ff_in = nn.Linear(ch, 8 * ch)  # GEGLU: value and gate
        self.ff_out = nn.Linear(4 * ch, ch)
        self.norm1, self.norm2, self.norm3 = nn.LayerNorm(ch), nn.LayerNorm(ch), nn.LayerNorm(ch)

    def forward(self, x, context):
        n1 = self.norm1(x)
        x = self.attn1(n1, n1) + x
        x = self.attn2(self.norm2(x), context) + x
        value, gate = self.ff_in(self.norm3(x)).chunk(2, dim=-1)
        return self.ff_out(value * F.gelu(gate)) + x


class SpatialTransformer(nn.Module):
    def __init__(self, ch, c):
        super().__init__()
        self.linear = c["useLinearInTransformer"]
        heads = ch // c["numHeadChannels"] if c["numHeadChannels"] > 0 else c["numHeads"]
        self.norm = group_norm(ch, eps=1e-6)
        self.proj_in = nn.Linear(ch, ch) if self.linear else nn.Conv2d(ch, ch, 1)
        self.blocks = nn.ModuleList([TransformerBlock(ch, heads, c["contextDim"])
                                     for _ in range(c["transformerDepth"])])
        self.proj_out = nn.Linear(ch, ch) if self.linear else nn.Conv2d(ch, ch, 1)

    def forward(self, x, context):
        b, ch, height, width = x.shape
        h = self.norm(x)
        if self.linear:
            h = self.proj_in(h.flatten(2).transpose(1, 2))
        else:
            h = self.proj_in(h).flatten(2).transpose(1, 2)
        for block in self.blocks:
            h = block(h, context)
        if self.linear:
            h = self.proj_out(h).transpose(1, 2).reshape(b, ch, height, width)
        else:
            h = self.proj_out(h.transpose(1, 2).reshape(b, ch, height, width))
        return h + x


class Downsample(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.op = nn.Conv2d(ch, ch, 3, stride=2, padding=1)

    def forward(self, x):
        return self.op(x)


class Upsample(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2, mode="nearest"))


class EmbedSequential(nn.ModuleList):
    def forward(self, h, emb, context):
        for layer in self:
            if isinstance(layer, ResBlock):
                h = layer(h, emb)
            elif isinstance(layer, SpatialTransformer):
                h = layer(h, context)
            else:
                h = layer(h)
        return h


class UNet(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.model_channels = ch = c["modelChannels"]
        emb = 4 * ch
        widths = [ch * m for m in c["channelMult"]]
        levels = len(widths)
        attention_at = lambda level: (1 << level) in c["attentionResolutions"]
        self.time_embed = nn.Sequential(nn.Linear(ch, emb), nn.SiLU(), nn.Linear(emb, emb))
        self.input_blocks = nn.ModuleList([EmbedSequential([nn.Conv2d(c["inChannels"], ch, 3, padding=1)])])
        skips = [ch]
        for level in range(levels):
            for _ in range(c["numResBlocks"]):
                block = [ResBlock(ch, widths[level], emb)]
                ch = widths[level]
                if attention_at(level):
                    block.append(SpatialTransformer(ch, c))
                self.input_blocks.append(EmbedSequential(block))
                skips.append(ch)
            if level != levels - 1:
                self.input_blocks.append(EmbedSequential([Downsample(ch)]))
                skips.append(ch)
        self.middle_block = EmbedSequential([ResBlock(ch, ch, emb), SpatialTransformer(ch, c), ResBlock(ch, ch, emb)])
        self.output_blocks = nn.ModuleList()
        for level in reversed(range(levels)):
            for i in range(c["numResBlocks"] + 1):
                block = [ResBlock(ch + skips.pop(), widths[level], emb)]
                ch = widths[level]
                if attention_at(level):
                    block.append(SpatialTransformer(ch, c))
                if level > 0 and i == c["numResBlocks"]:
                    block.append(Upsample(ch))
                self.output_blocks.append(EmbedSequential(block))
        self.out = nn.Sequential(group_norm(ch), nn.SiLU(), nn.Conv2d(ch, c["outChannels"], 3, padding=1))

    def forward(self, x, t, context):
        half = self.model_channels // 2
        freqs = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32) / half)
        args = t[:, None].float() * freqs[None]
        emb = self.time_embed(torch.cat([torch.cos(args), torch.sin(args)], dim=-1))
        hs = []
        h = x
        for block in self.input_blocks:
            h = block(h, emb, context)
            hs.append(h)
        h = self.middle_block(h, emb, context)
        for block in self.output_blocks:
            h = block(torch.cat([h, hs.pop()], dim=1), emb, context)
        return self.out(h)


# ---------------------------------------------------------------- LDM KL autoencoder

class VaeResnetBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.norm1 = group_norm(cin, eps=1e-6)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.norm2 = group_norm(cout, eps=1e-6)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.nin_shortcut = nn.Identity() if cin == cout else nn.Conv2d(cin, cout, 1)

    def forward(self, x):
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))
        return self.nin_shortcut(x) + h


class VaeAttnBlock(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.norm = group_norm(ch, eps=1e-6)
        self.q, self.k, self.v, self.proj_out = (nn.Conv2d(ch, ch, 1) for _ in range(4))

    def forward(self, x):
        b, c, h, w = x.shape
        n = self.norm(x)
        q, k, v = (conv(n).flatten(2).transpose(1, 2) for conv in (self.q, self.k, self.v))
        out = attention(q, k, v, 1).transpose(1, 2).reshape(b, c, h, w)
        return x + self.proj_out(out)


class VaeMid(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.block_1, self.attn_1, self.block_2 = VaeResnetBlock(ch, ch), VaeAttnBlock(ch), VaeResnetBlock(ch, ch)

    def forward(self, x):
        return self.block_2(self.attn_1(self.block_1(x)))


class VaeDownsample(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, stride=2)

    def forward(self, x):
        return self.conv(F.pad(x, (0, 1, 0, 1)))


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        widths = [c["ch"] * m for m in c["chMult"]]
        self.conv_in = nn.Conv2d(c["inChannels"], c["ch"], 3, padding=1)
        self.down = nn.ModuleList()
        cin = c["ch"]
        for i, w in enumerate(widths):
            level = [VaeResnetBlock(cin if j == 0 else w, w) for j in range(c["numResBlocks"])]
            if i < len(widths) - 1:
                level.append(VaeDownsample(w))
            self.down.append(nn.Sequential(*level))
            cin = w
        self.mid = VaeMid(cin)
        self.norm_out = group_norm(cin, eps=1e-6)
        self.conv_out = nn.Conv2d(cin, 2 * c["zChannels"], 3, padding=1)

    def forward(self, x):
        h = self.conv_in(x)
        for level in self.down:
            h = level(h)
        return self.conv_out(F.silu(self.norm_out(self.mid(h))))


class Decoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        widths = [c["ch"] * m for m in c["chMult"]]
        cin = widths[-1]
        self.conv_in = nn.Conv2d(c["zChannels"], cin, 3, padding=1)
        self.mid = VaeMid(cin)
        self.up = nn.ModuleList()  # runs from the lowest resolution up
        for i in reversed(range(len(widths))):
            w = widths[i]
            level = [VaeResnetBlock(cin if j == 0 else w, w) for j in range(c["numResBlocks"] + 1)]
            if i > 0:
                level.append(Upsample(w))
            self.up.append(nn.Sequential(*level))
            cin = w
        self.norm_out = group_norm(cin, eps=1e-6)
        self.conv_out = nn.Conv2d(cin, c["outChannels"], 3, padding=1)

    def forward(self, z):
        h = self.mid(self.conv_in(z))
        for level in self.up:
            h = level(h)
        return self.conv_out(F.silu(self.norm_out(h)))


class AutoencoderKL(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.encoder = Encoder(c)
        self.decoder = Decoder(c)
        self.quant_conv = nn.Conv2d(2 * c["zChannels"], 2 * c["embedDim"], 1)
        self.post_quant_conv = nn.Conv2d(c["embedDim"], c["zChannels"], 1)

    def decode(self, z):
        return self.decoder(self.post_quant_conv(z))


# ---------------------------------------------------------------- timing

def rss_mb(field):
    """VmRSS / VmHWM of this process in MiB, None off Linux."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def sd_betas(steps=1000, start=0.00085, end=0.012):
    """SD's schedule (CompVis "linear": linspace of the square roots), as ConceptRank's NoiseSchedule, float64."""
    return torch.linspace(start ** 0.5, end ** 0.5, steps, dtype=torch.float64) ** 2


def sd_alphas_cumprod():
    return torch.cumprod(1 - sd_betas(), 0).float()


def sd_kl_weights():
    """w_t = beta_t / (2 alpha_t (1 - abar_t)) per t, computed in float64 as NoiseSchedule.klWeight (docs/design.md section 1)."""
    betas = sd_betas()
    return (betas / (2 * (1 - betas) * (1 - torch.cumprod(1 - betas, 0)))).float()


def send(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main():
    spec = json.loads(sys.stdin.readline())
    torch.manual_seed(spec["seed"])
    torch.set_num_threads(spec["threads"])
    torch.set_grad_enabled(False)
    b, latent = spec["batch"], spec["latentSize"]

    # Only the networks the requested ops run, as on the Java side.
    wanted = set(spec["ops"])
    builders = {
        "text_encoder": (lambda: ClipTextModel(spec["textEncoder"]), {"unet_forward_backward", "kl_ti_step"}),
        "unet": (lambda: UNet(spec["unet"]), {"unet_forward", "unet_forward_backward", "kl_ti_step"}),
        "vae": (lambda: AutoencoderKL(spec["vae"]), {"vae_decode"}),
        "clip": (lambda: ClipModel(spec["clip"]), {"clip_image_encode"}),
    }
    nets, parameters = {}, {}
    for name, (build, ops_using) in builders.items():
        if wanted & ops_using:
            module = build().eval().requires_grad_(False)  # frozen: textual inversion trains only the vector
            for layer in module.modules():
                if isinstance(layer, nn.Embedding):
                    nn.init.normal_(layer.weight, std=0.02)  # CLIP's init, as ConceptRank's (torch's is N(0, 1))
            nets[name] = module
            parameters[name] = sum(p.numel() for p in module.parameters())
    rss_after_build = rss_mb("VmRSS")
    text, unet, vae, clip = (nets.get(name) for name in ("text_encoder", "unet", "vae", "clip"))

    alphas = sd_alphas_cumprod()
    in_ch, ctx_len = spec["unet"]["inChannels"], spec["textEncoder"]["maxPositions"]
    state = {}
    if text is not None:
        ids = torch.tensor(spec["tokenIds"], dtype=torch.long).expand(b, -1)
        is_placeholder = ids == spec["placeholderId"]
        lookup = torch.where(is_placeholder, torch.zeros_like(ids), ids)
        init = text.token_embedding.weight[spec["initTokenId"]].clone()

    if "kl_ti_step" in wanted:
        # The trainer's step at its defaults (TrainingStep + AdamW in ConceptRank): batch trainingBatch, one vector
        # that keeps training from run to run, c_init encoded once as the trainer encodes its anchors once per run.
        trainer, tb = spec["trainer"], spec["trainingBatch"]
        kl_ids = torch.tensor(spec["tokenIds"], dtype=torch.long).expand(tb, -1)
        kl_is_placeholder = kl_ids == spec["placeholderId"]
        kl_lookup = torch.where(kl_is_placeholder, torch.zeros_like(kl_ids), kl_ids)
        c_init = text.forward_embeddings(
            text.token_embedding(torch.tensor(spec["initTokenIds"], dtype=torch.long).expand(tb, -1)))
        kl_vector = nn.Parameter(text.token_embedding.weight[spec["initTokenId"]].clone()[None])  # [1, D]
        optimizer = torch.optim.AdamW([kl_vector], lr=trainer["learningRate"], betas=(0.9, 0.999), eps=1e-8,
                                      weight_decay=trainer["weightDecay"])
        kl_weights = sd_kl_weights() if trainer["weighting"] == "exact" else torch.ones(len(alphas))
        beta = trainer["beta"]

    def unet_forward(x, t, context):
        unet(x, t, context)

    def unet_forward_backward(x0, noise, t):
        with torch.enable_grad():
            vector = init.clone().requires_grad_(True)
            embeds = torch.where(is_placeholder[..., None], vector, text.token_embedding(lookup))
            context = text.forward_embeddings(embeds)
            a = alphas[t].view(-1, 1, 1, 1)
            noisy = a.sqrt() * x0 + (1 - a).sqrt() * noise
            loss = F.mse_loss(unet(noisy, t, context), noise)
            loss.backward()
            state["gradientNorm"] = vector.grad.norm().item()
            state["loss"] = loss.item()

    def kl_ti_step(x0, noise, t):
        a = alphas[t].view(-1, 1, 1, 1)
        noisy = a.sqrt() * x0 + (1 - a).sqrt() * noise
        eps_init = unet(noisy, t, c_init)  # grad mode is off: no graph for the frozen anchor
        with torch.enable_grad():
            embeds = torch.where(kl_is_placeholder[..., None], kl_vector, text.token_embedding(kl_lookup))
            eps_new = unet(noisy, t, text.forward_embeddings(embeds))
            denoise = F.mse_loss(eps_new, noise)
            if beta == 0:  # plain textual inversion; the KL is only reported
                kl, loss = ((eps_new.detach() - eps_init).square().flatten(1).mean(1) * kl_weights[t]).mean(), denoise
            else:
                kl = ((eps_new - eps_init).square().flatten(1).mean(1) * kl_weights[t]).mean()
                loss = denoise + beta * kl
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
        before = kl_vector.detach().clone()
        optimizer.step()
        state["klTiStep"] = {"loss": loss.item(), "kl": kl.item(), "gradientNorm": kl_vector.grad.norm().item(),
                             "updateNorm": (kl_vector.detach() - before).norm().item()}

    vision = spec["clip"]["vision"]
    ops = {
        "unet_forward": (unet_forward,
                         lambda: (torch.randn(b, in_ch, latent, latent), torch.randint(0, 1000, (b,)),
                                  torch.randn(b, ctx_len, spec["unet"]["contextDim"]))),
        "unet_forward_backward": (unet_forward_backward,
                                  lambda: (torch.randn(b, in_ch, latent, latent), torch.randn(b, in_ch, latent, latent),
                                           torch.randint(0, 1000, (b,)))),
        "kl_ti_step": (kl_ti_step,
                       lambda: (torch.randn(tb, in_ch, latent, latent), torch.randn(tb, in_ch, latent, latent),
                                torch.randint(0, 1000, (tb,)))),
        "clip_image_encode": (lambda pixels: clip.encode_image(pixels),
                              lambda: (torch.randn(b, vision["channels"], vision["imageSize"], vision["imageSize"]),)),
        "vae_decode": (lambda z: vae.decode(z),
                       lambda: (torch.randn(b, spec["vae"]["embedDim"], latent, latent),)),
    }

    # The Java side interleaves its runs with ours, one run each in turn, so that both see the same machine
    # load: each request {"op": name} gets one run of that op and its milliseconds back; {"op": null} ends it.
    send({"ready": True, "parameters": parameters, "rssAfterLoadMb": rss_after_build})
    current, inputs = None, None
    for line in sys.stdin:
        name = json.loads(line)["op"]
        if name is None:
            break
        op, make_inputs = ops[name]
        if name != current:
            inputs = None  # the previous op's inputs go first
            current, inputs = name, make_inputs()  # once per op, as on the Java side, outside the timing
        start = time.perf_counter()
        op(*inputs)
        send({"ms": (time.perf_counter() - start) * 1000})

    send({
        "python": sys.executable,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "gradientNorm": state.get("gradientNorm"),
        "loss": state.get("loss"),
        "klTiStep": state.get("klTiStep"),
        "memory": {"rssAfterLoadMb": rss_after_build, "peakRssMb": rss_mb("VmHWM"), "finalRssMb": rss_mb("VmRSS")},
    })


if __name__ == "__main__":
    main()
