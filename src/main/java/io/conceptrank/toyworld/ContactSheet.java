package io.conceptrank.toyworld;

import io.conceptrank.toyworld.ToyWorld.Colour;
import io.conceptrank.toyworld.ToyWorld.Context;
import io.conceptrank.toyworld.ToyWorld.Pattern;
import io.conceptrank.toyworld.ToyWorld.Shape;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;

/**
 * One picture that shows the whole world at a glance: a row per context, and across the 24 columns
 * every shape with every pattern while the colours rotate, so each colour meets each context.
 */
public final class ContactSheet {

    private static final int COLUMNS = 24;
    private static final int GAP = 2;

    private ContactSheet() {}

    public static BufferedImage render(long seed, int zoom) {
        Context[] contexts = Context.values();
        Shape[] shapes = Shape.values();
        Pattern[] patterns = Pattern.values();
        Colour[] colours = Colour.values();
        int cell = ToyWorld.IMAGE_SIZE * zoom + GAP;
        BufferedImage sheet = new BufferedImage(COLUMNS * cell + GAP, contexts.length * cell + GAP,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = sheet.createGraphics();
        g.setColor(Color.DARK_GRAY);
        g.fillRect(0, 0, sheet.getWidth(), sheet.getHeight());
        for (int row = 0; row < contexts.length; row++) {
            for (int col = 0; col < COLUMNS; col++) {
                Subject subject = new Subject(shapes[col % shapes.length],
                        colours[(col + 3 * row) % colours.length], patterns[(col / shapes.length) % patterns.length]);
                BufferedImage tile = Renderer.render(subject, contexts[row], seed + row * COLUMNS + col);
                g.drawImage(tile, GAP + col * cell, GAP + row * cell, cell - GAP, cell - GAP, null);
            }
        }
        g.dispose();
        return sheet;
    }
}
