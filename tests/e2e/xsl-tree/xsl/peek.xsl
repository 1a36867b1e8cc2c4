<?xml version="1.0" encoding="UTF-8"?>
<!-- peek.xsl: tries to read a file at transform time. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:e="urn:gd:epr">
    <xsl:template match="/">
        <e:text><xsl:value-of select="document('deep.xsl')/*/*/@name"/></e:text>
    </xsl:template>
</xsl:stylesheet>
