package io.conceptrank.web;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.conceptrank.NotFoundException;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

class ApiExceptionHandlerTest {

    @RestController
    static class FailingController {

        @GetMapping("/bad-argument")
        String badArgument() {
            throw new IllegalArgumentException("seed must be >= 0");
        }

        @GetMapping("/missing")
        String missing() {
            throw new NotFoundException("no concept named dog2");
        }

        @GetMapping("/broken")
        String broken() {
            throw new IllegalStateException("sampler diverged");
        }
    }

    private final MockMvc mvc = MockMvcBuilders.standaloneSetup(new FailingController())
            .setControllerAdvice(new ApiExceptionHandler())
            .build();

    @Test
    void illegalArgumentIs400() throws Exception {
        mvc.perform(get("/bad-argument"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.error").value("Bad Request"))
                .andExpect(jsonPath("$.detail").value("seed must be >= 0"));
    }

    @Test
    void notFoundIs404() throws Exception {
        mvc.perform(get("/missing"))
                .andExpect(status().isNotFound())
                .andExpect(jsonPath("$.error").value("Not Found"))
                .andExpect(jsonPath("$.detail").value("no concept named dog2"));
    }

    @Test
    void anythingElseIs500WithoutStackTrace() throws Exception {
        mvc.perform(get("/broken"))
                .andExpect(status().isInternalServerError())
                .andExpect(jsonPath("$.error").value("Internal Server Error"))
                .andExpect(jsonPath("$.detail").value("sampler diverged"))
                .andExpect(content().string(Matchers.not(Matchers.containsString("at io.conceptrank"))));
    }

    @Test
    void springsOwnErrorsKeepTheirStatus() throws Exception {
        mvc.perform(post("/missing"))
                .andExpect(status().isMethodNotAllowed())
                .andExpect(jsonPath("$.error").value("Method Not Allowed"))
                .andExpect(jsonPath("$.detail").isNotEmpty());
    }
}
