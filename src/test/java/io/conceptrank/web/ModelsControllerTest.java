package io.conceptrank.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.conceptrank.model.io.CraftedSafetensors;
import io.conceptrank.model.pkg.PackageStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

/** The controller alone (no application context yet): its method, and its JSON through a standalone MockMvc. */
class ModelsControllerTest {

    @TempDir
    Path models;

    private void twoPackages() throws Exception {
        new CraftedSafetensors()
                .add("model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight", "F16", 8, 768)
                .add("model.diffusion_model.middle_block.0.in_layers.0.weight", "F16", 4)
                .add("model.diffusion_model.output_blocks.0.0.in_layers.0.weight", "F16", 4)
                .add("first_stage_model.encoder.conv_in.weight", "F16", 4)
                .add("first_stage_model.decoder.conv_in.weight", "F16", 4)
                .add("cond_stage_model.transformer.text_model.final_layer_norm.weight", "F16", 768)
                .write(models.resolve("sd15/sd15.safetensors"));
        Files.createDirectories(models.resolve("old"));
        Files.writeString(models.resolve("old/model.ckpt"), "pickle");
    }

    @Test
    void listsEveryPackageWithWhetherItLoads() throws Exception {
        twoPackages();
        List<PackageStatus> list = new ModelsController(models.toString()).list();
        assertThat(list).extracting(PackageStatus::id).containsExactly("old", "sd15");
        assertThat(list).extracting(PackageStatus::loadable).containsExactly(false, true);
    }

    @Test
    void servesTheListAsJson() throws Exception {
        twoPackages();
        MockMvc mvc = MockMvcBuilders.standaloneSetup(new ModelsController(models.toString())).build();
        mvc.perform(get("/api/models"))
                .andExpect(status().isOk())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_JSON))
                .andExpect(jsonPath("$.length()").value(2))
                .andExpect(jsonPath("$[0].id").value("old"))
                .andExpect(jsonPath("$[0].loadable").value(false))
                .andExpect(jsonPath("$[0].problems[0]")
                        .value("model.ckpt: pickle-based weights are not loaded; convert to .safetensors"))
                .andExpect(jsonPath("$[1].id").value("sd15"))
                .andExpect(jsonPath("$[1].family").value("sd1"))
                .andExpect(jsonPath("$[1].loadable").value(true))
                .andExpect(jsonPath("$[1].parts[0].name").value("unet"))
                .andExpect(jsonPath("$[1].parts[0].format").value("single-file"))
                .andExpect(jsonPath("$[1].parts[0].path").value("sd15.safetensors"))
                .andExpect(jsonPath("$[1].parts[0].ok").value(true));
    }

    @Test
    void missingModelsFolderIsAnEmptyList() throws Exception {
        MockMvc mvc = MockMvcBuilders.standaloneSetup(new ModelsController(models.resolve("absent").toString())).build();
        mvc.perform(get("/api/models")).andExpect(status().isOk()).andExpect(jsonPath("$.length()").value(0));
    }
}
