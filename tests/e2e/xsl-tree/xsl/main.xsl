<?xml version="1.0" encoding="UTF-8"?>
<!-- main.xsl: imports lib/wrap.xsl, includes parts/inc.xsl. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:e="urn:gd:epr">
    <xsl:import href="lib/wrap.xsl"/>
    <xsl:include href="parts/inc.xsl"/>
    <xsl:template match="/e:text">
        <e:text><xsl:call-template name="wrap"/><xsl:call-template name="inc"/>
            <xsl:value-of select="."/></e:text>
    </xsl:template>
</xsl:stylesheet>
